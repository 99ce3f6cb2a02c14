// cpp_only.hpp is included last by every file of the pure C++ core.
//
// The core must build and be unit-tested without a PostgreSQL server or its headers.
// When the core library itself is compiled (NIGHTJAR_CORE_BUILD, set only on the
// nightjar_core target), reaching this header after any PostgreSQL header is a compile
// error, so an accidental dependency on the server is caught by the compiler rather than
// by a reviewer (the same trick as pg_duckdb's cpp_only_file.hpp). The glue includes
// core headers after PostgreSQL's; there the check is off.
#pragma once

#ifdef NIGHTJAR_CORE_BUILD
#if defined(POSTGRES_H) || defined(FMGR_H) || defined(PG_CONFIG_H)
#error "extension/core/ must not include PostgreSQL headers"
#endif
#endif
