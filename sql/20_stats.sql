-- 20_stats.sql: statistics aggregates for analysts and the KPI engine (docs/statistics.md).
-- Every mergeable aggregate has combine/serialise/deserialise functions and is
-- PARALLEL SAFE, so PostgreSQL can use parallel workers on large tables.

CREATE TYPE nightjar.stats AS (
    n            bigint,
    mean         float8,
    variance     float8,   -- sample (n - 1)
    stddev       float8,   -- sample (n - 1)
    variance_pop float8,
    stddev_pop   float8,
    min          float8,
    max          float8,
    skewness     float8,   -- adjusted Fisher-Pearson G1
    kurtosis     float8    -- sample excess kurtosis G2
);

CREATE TYPE nightjar.trend AS (
    n                bigint,
    slope            float8,
    intercept        float8,
    r2               float8,
    slope_stderr     float8,
    intercept_stderr float8,
    residual_stddev  float8
);

-- stats_agg --------------------------------------------------------------------------
CREATE FUNCTION nightjar.stats_agg_trans(internal, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'nightjar_stats_agg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION nightjar.stats_agg_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'nightjar_stats_agg_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION nightjar.stats_agg_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'nightjar_stats_agg_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION nightjar.stats_agg_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'nightjar_stats_agg_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION nightjar.stats_agg_final(internal) RETURNS nightjar.stats
    AS 'MODULE_PATHNAME', 'nightjar_stats_agg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE nightjar.stats_agg(float8) (
    SFUNC = nightjar.stats_agg_trans, STYPE = internal, SSPACE = 1120,  -- sizeof(Moments): 128-value block + sums
    FINALFUNC = nightjar.stats_agg_final,
    COMBINEFUNC = nightjar.stats_agg_combine,
    SERIALFUNC = nightjar.stats_agg_serialize, DESERIALFUNC = nightjar.stats_agg_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE nightjar.stats_agg(float8) IS
    'one-pass, numerically stable count, mean, variance, stddev, min, max, skewness, kurtosis';

-- trend_agg --------------------------------------------------------------------------
CREATE FUNCTION nightjar.trend_agg_trans(internal, float8, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'nightjar_trend_agg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION nightjar.trend_agg_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'nightjar_trend_agg_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION nightjar.trend_agg_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'nightjar_trend_agg_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION nightjar.trend_agg_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'nightjar_trend_agg_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION nightjar.trend_agg_final(internal) RETURNS nightjar.trend
    AS 'MODULE_PATHNAME', 'nightjar_trend_agg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE nightjar.trend_agg(y float8, x float8) (
    SFUNC = nightjar.trend_agg_trans, STYPE = internal, SSPACE = 96,
    FINALFUNC = nightjar.trend_agg_final,
    COMBINEFUNC = nightjar.trend_agg_combine,
    SERIALFUNC = nightjar.trend_agg_serialize, DESERIALFUNC = nightjar.trend_agg_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE nightjar.trend_agg(float8, float8) IS
    'ordinary least squares y = intercept + slope * x with standard errors and r2';

-- autocorr_agg -----------------------------------------------------------------------
CREATE FUNCTION nightjar.autocorr_agg_trans(internal, float8) RETURNS internal
    AS 'MODULE_PATHNAME', 'nightjar_autocorr_agg_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION nightjar.autocorr_agg_final(internal) RETURNS float8
    AS 'MODULE_PATHNAME', 'nightjar_autocorr_agg_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- Order matters, so there is no combine function: call it as autocorr_agg(y ORDER BY t).
CREATE AGGREGATE nightjar.autocorr_agg(float8) (
    SFUNC = nightjar.autocorr_agg_trans, STYPE = internal, SSPACE = 96,
    FINALFUNC = nightjar.autocorr_agg_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE nightjar.autocorr_agg(float8) IS
    'lag-1 autocorrelation (NIST StRD definition) of the values in the order given: autocorr_agg(y ORDER BY t)';

-- percentiles (exact) ----------------------------------------------------------------
CREATE FUNCTION nightjar.percentiles_trans(internal, float8, float8[]) RETURNS internal
    AS 'MODULE_PATHNAME', 'nightjar_percentiles_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION nightjar.percentiles_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'nightjar_percentiles_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION nightjar.percentiles_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'nightjar_percentiles_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION nightjar.percentiles_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'nightjar_percentiles_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION nightjar.percentiles_final(internal, float8, float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'nightjar_percentiles_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

-- The final function reorders the values (selection) but never changes them: SHAREABLE.
CREATE AGGREGATE nightjar.percentiles(float8, float8[]) (
    SFUNC = nightjar.percentiles_trans, STYPE = internal,
    FINALFUNC = nightjar.percentiles_final, FINALFUNC_EXTRA, FINALFUNC_MODIFY = SHAREABLE,
    COMBINEFUNC = nightjar.percentiles_combine,
    SERIALFUNC = nightjar.percentiles_serialize, DESERIALFUNC = nightjar.percentiles_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE nightjar.percentiles(float8, float8[]) IS
    'exact percentiles, interpolated like percentile_cont; the fractions of the first row are used';

-- approx_percentiles (t-digest) ------------------------------------------------------
CREATE FUNCTION nightjar.approx_percentiles_trans(internal, float8, float8[]) RETURNS internal
    AS 'MODULE_PATHNAME', 'nightjar_approx_percentiles_trans' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION nightjar.approx_percentiles_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'nightjar_approx_percentiles_combine' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION nightjar.approx_percentiles_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME', 'nightjar_approx_percentiles_serialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION nightjar.approx_percentiles_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME', 'nightjar_approx_percentiles_deserialize' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION nightjar.approx_percentiles_final(internal, float8, float8[]) RETURNS float8[]
    AS 'MODULE_PATHNAME', 'nightjar_approx_percentiles_final' LANGUAGE C IMMUTABLE PARALLEL SAFE;

CREATE AGGREGATE nightjar.approx_percentiles(float8, float8[]) (
    SFUNC = nightjar.approx_percentiles_trans, STYPE = internal,
    FINALFUNC = nightjar.approx_percentiles_final, FINALFUNC_EXTRA,
    COMBINEFUNC = nightjar.approx_percentiles_combine,
    SERIALFUNC = nightjar.approx_percentiles_serialize, DESERIALFUNC = nightjar.approx_percentiles_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE nightjar.approx_percentiles(float8, float8[]) IS
    'approximate percentiles from a mergeable t-digest (compression 200): bounded memory, see docs/statistics.md';
