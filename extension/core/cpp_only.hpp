// cpp_only.hpp is included last by every file of the pure C++ core.
//
// The core must build and be unit-tested without a PostgreSQL server or its
// headers. Including this header after a PostgreSQL header is a compile error,
// so an accidental dependency on the server is caught by the compiler rather
// than by a reviewer. (The same trick as pg_duckdb's cpp_only_file.hpp.)
#pragma once

#ifdef POSTGRES_H
static_assert(false, "extension/core/ must not include PostgreSQL headers");
#endif
#ifdef FMGR_H
static_assert(false, "extension/core/ must not include PostgreSQL headers");
#endif
