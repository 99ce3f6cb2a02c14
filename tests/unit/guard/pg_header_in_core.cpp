// pg_header_in_core.cpp must NOT compile: it is a core file that includes a PostgreSQL
// header. The ctest `core_rejects_postgres_headers` passes only if the compiler refuses
// it with cpp_only.hpp's message, proving the core/PostgreSQL separation is enforced.
// The order is the test: the PostgreSQL header first, then a core header.
// clang-format off
#include "postgres.h"
#include "core/errors.hpp"
// clang-format on
