-- 05_boundary.sql: the boundary self-test (diagnostic; see extension/pg/boundary.hpp).
CREATE FUNCTION nightjar.boundary_selftest(kind text) RETURNS text
    AS 'MODULE_PATHNAME', 'nightjar_boundary_selftest'
    LANGUAGE C STRICT VOLATILE;
COMMENT ON FUNCTION nightjar.boundary_selftest(text) IS
    'diagnostic: raises each kind of C++ and PostgreSQL error through the boundary '
    '(invalid_argument, data_error, bad_alloc, runtime_error, unknown, pg_error, pg_error_caught, ok), '
    'trips the exception-stack check (exception_stack), throws out of a BatchStep row (batch_step_throw) and runs a cancellable core computation '
    'for up to 60 s (percentiles_until_cancel)';
