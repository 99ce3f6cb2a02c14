-- 60_monitoring_analyst.sql: modal assurance functions for analysts (docs/monitoring.md),
-- computed by the core (core/modal/). Errors -- dimension mismatch, empty or all-zero
-- vectors, NULL elements -- raise 22023, never return NaN.

CREATE FUNCTION nightjar.mac(a float8[], b float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'nightjar_mac' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION nightjar.mac(float8[], float8[]) IS
    'Modal Assurance Criterion of two real mode shapes: (aᵀb)² / ((aᵀa)(bᵀb)), in [0, 1]';

CREATE FUNCTION nightjar.mac(a_re float8[], a_im float8[], b_re float8[], b_im float8[]) RETURNS float8
    AS 'MODULE_PATHNAME', 'nightjar_mac' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION nightjar.mac(float8[], float8[], float8[], float8[]) IS
    'Modal Assurance Criterion of two complex mode shapes given as real and imaginary parts: '
    '|aᴴb|² / ((aᴴa)(bᴴb)), in [0, 1]';

CREATE FUNCTION nightjar.comac(a float8[][], b float8[][]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'nightjar_comac' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION nightjar.comac(float8[], float8[]) IS
    'COMAC per column (degree of freedom); rows are paired modes: (Σᵣ|aᵣⱼbᵣⱼ|)² / (Σᵣaᵣⱼ² · Σᵣbᵣⱼ²) '
    '(Lieven-Ewins form, see docs/monitoring.md)';
