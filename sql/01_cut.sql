-- 01_cut.sql: the one helper every SQL function uses to echo a value in an error message.
-- Messages name the values that are wrong, but an argument can be 100 kB: every RAISE
-- argument goes through nightjar._cut, which keeps the first 64 characters and adds "…".

-- _cut returns v, cut to its first 64 characters followed by "…" when longer (NULL stays NULL).
CREATE FUNCTION nightjar._cut(v text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN length(v) > 64 THEN left(v, 64) || '…' ELSE v END
$$;
