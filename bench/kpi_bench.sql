-- kpi_bench.sql: the structure-monitoring KPI step (nightjar.monitoring_compute_kpis, C++
-- core) against a PL/pgSQL implementation of the same formulas (MAC matrix, greedy
-- pairing, relative deviations, levels, COMAC per sensor, global score; same output rows)
-- in the same run. States are generated in SQL: :modes modes × :sensors sensors per state,
-- mode shapes = the reference's plus noise; they are written straight into
-- monitoring_state_match in loads of :load_states (the step's own input), so only the KPI
-- step is timed. The PL/pgSQL baseline runs on the first :baseline_states states (it is
-- much slower); both give states/s, and the ratio is printed. The
-- global scores of both are compared on the baseline's states (max |difference|).
-- Usage: psql -v states=100000 -v baseline_states=5000 -f bench/kpi_bench.sql
\set ON_ERROR_STOP 1
\if :{?states} \else \set states 100000 \endif
\if :{?load_states} \else \set load_states 10000 \endif
\if :{?baseline_states} \else \set baseline_states 5000 \endif
\if :{?modes} \else \set modes 10 \endif
\if :{?sensors} \else \set sensors 30 \endif
SET client_min_messages = warning;
\o /dev/null
SELECT nightjar.ensure_storage();

-- Configuration: one structure (RELATIVE), its modes, sensors, reference state and policy.
DELETE FROM nightjar.monitoring_kpi WHERE structure_id IN (SELECT structure_id FROM nightjar.monitoring_structure WHERE external_id = 'BENCH-KPI');
DELETE FROM nightjar.monitoring_level WHERE structure_id IN (SELECT structure_id FROM nightjar.monitoring_structure WHERE external_id = 'BENCH-KPI');
DELETE FROM nightjar.monitoring_state_match WHERE structure_id IN (SELECT structure_id FROM nightjar.monitoring_structure WHERE external_id = 'BENCH-KPI');
DELETE FROM nightjar.monitoring_structure WHERE external_id = 'BENCH-KPI';
SELECT nightjar.monitoring_define_structure('BENCH-KPI', 'RELATIVE');
SELECT nightjar.monitoring_define_mode('BENCH-KPI', m, m) FROM generate_series(1, :modes) m;
SELECT nightjar.monitoring_define_sensor('BENCH-KPI', s, 'S' || s) FROM generate_series(1, :sensors) s;
SELECT nightjar.monitoring_set_reference('BENCH-KPI', '2026-01-01',
    ARRAY(SELECT 1.3 * m FROM generate_series(1, :modes) m), array_fill(0.02::float8, ARRAY[:modes]),
    array_fill(0.05::float8, ARRAY[:modes]),
    ARRAY(SELECT x FROM generate_series(1, :modes) m, generate_series(1, :sensors) s,
                 unnest(ARRAY[sin(m * s * pi() / (:sensors + 1)), 0.4 * cos(m * s * pi() / (:sensors + 1)), 0.1 * m]) x));
SELECT nightjar.monitoring_set_policy('BENCH-KPI', global_thresholds => '{0.05,0.1,0.2,0.3}');

-- A pool of 500 distinct states (reference + noise, frequencies drifting up to 12 %).
SELECT setseed(0.14);
CREATE TEMP TABLE pool AS
SELECT p, ARRAY(SELECT r.frequency[m] * (1 - 0.12 * random()) FROM generate_series(1, :modes) m) AS frequency,
       ARRAY(SELECT 0.02 * (1 + random()) FROM generate_series(1, :modes) m) AS damping,
       ARRAY(SELECT 0.05 * (1 + random()) FROM generate_series(1, :modes) m) AS mcf,
       ARRAY(SELECT x + 0.05 * (random() - 0.5) FROM unnest(r.shape) WITH ORDINALITY u(x, k) ORDER BY k) AS shape
FROM generate_series(0, 499) p, nightjar.monitoring_reference_state r
WHERE r.structure_id = (SELECT structure_id FROM nightjar.monitoring_structure WHERE external_id = 'BENCH-KPI');

-- The PL/pgSQL baseline: the same formulas, the same rows (into temp tables).
CREATE TEMP TABLE plpgsql_kpi (LIKE nightjar.monitoring_kpi INCLUDING DEFAULTS);
CREATE TEMP TABLE plpgsql_level (LIKE nightjar.monitoring_level INCLUDING DEFAULTS);
CREATE FUNCTION pg_temp.level_of(v float8, t float8[]) RETURNS integer LANGUAGE plpgsql IMMUTABLE AS $$
DECLARE l integer := 1;
BEGIN
    FOR k IN 1..4 LOOP IF v >= t[k] THEN l := l + 1; END IF; END LOOP;
    RETURN l;
END $$;
CREATE FUNCTION pg_temp.kpi_plpgsql(p_load bigint, p_limit integer) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    st record; pv nightjar.monitoring_policy_version;
    alpha float8[]; phi float8[]; thr float8[];  -- thr: (kpi 1..5, item, k) relative thresholds, flattened
    beta float8[]; m integer; d integer; s integer; n bigint := 0;
    na float8[]; nb float8[]; mac float8[]; pairing integer[]; used boolean[];
    dot float8; best float8; bi integer; bj integer; t float8[];
    dev float8[]; lev integer[]; comac float8[]; clev integer[]; xsum float8; sa float8; sb float8; v float8;
    local float8; cpts float8; score float8; j integer; o integer; q integer;
    rs float8[]; sh float8[];  -- local copies: PL/pgSQL expands them once (a record field would be re-read per subscript)
BEGIN
    FOR st IN SELECT x.state_id, x.structure_id, x.policy_version_id, x.measured_at, x.frequency, x.damping, x.mcf, x.shape,
                     r.frequency AS rf, r.damping AS rd, r.mcf AS rm, r.shape AS rs
              FROM nightjar.monitoring_state_match x JOIN nightjar.monitoring_reference_state r USING (structure_id)
              WHERE x.load_id = p_load AND x.status = 'matched' ORDER BY x.state_id LIMIT p_limit LOOP
        IF pv.policy_version_id IS DISTINCT FROM st.policy_version_id THEN
            SELECT * INTO pv FROM nightjar.monitoring_policy_version WHERE policy_version_id = st.policy_version_id;
            alpha := ARRAY(SELECT a FROM nightjar.monitoring_policy_alpha x, unnest(ARRAY[x.frequency, x.damping, x.mcf, x.mac]) WITH ORDINALITY u(a, k)
                           WHERE x.policy_version_id = pv.policy_version_id ORDER BY x.mode_no, k);
            phi := ARRAY(SELECT x.phi FROM nightjar.monitoring_policy_phi x WHERE x.policy_version_id = pv.policy_version_id ORDER BY x.sensor_no);
            thr := ARRAY(SELECT y FROM nightjar.monitoring_policy_threshold x, unnest(x.relative) WITH ORDINALITY u(y, k)
                         WHERE x.policy_version_id = pv.policy_version_id
                         ORDER BY array_position(ARRAY['frequency', 'damping', 'mcf', 'mac', 'comac'], x.kpi), x.item_no, k);
            beta := pv.beta;
        END IF;
        rs := st.rs; sh := st.shape;
        m := cardinality(st.rf); d := cardinality(rs) / m; s := d / 3;
        na := array_fill(0::float8, ARRAY[m]); nb := array_fill(0::float8, ARRAY[m]);
        FOR i IN 1..m LOOP
            FOR k IN 1..d LOOP
                na[i] := na[i] + rs[(i - 1) * d + k] ^ 2;
                nb[i] := nb[i] + sh[(i - 1) * d + k] ^ 2;
            END LOOP;
        END LOOP;
        mac := array_fill(0::float8, ARRAY[m * m]);
        FOR i IN 1..m LOOP
            FOR jj IN 1..m LOOP
                dot := 0;
                FOR k IN 1..d LOOP dot := dot + rs[(i - 1) * d + k] * sh[(jj - 1) * d + k]; END LOOP;
                mac[(i - 1) * m + jj] := least(1.0, dot * dot / (na[i] * nb[jj]));
            END LOOP;
        END LOOP;
        pairing := array_fill(0, ARRAY[m]); used := array_fill(false, ARRAY[m]);
        FOR round IN 1..m LOOP  -- greedy: largest MAC first (ties: lower row, then lower column)
            best := -1;
            FOR i IN 1..m LOOP
                CONTINUE WHEN pairing[i] > 0;
                FOR jj IN 1..m LOOP
                    IF NOT used[jj] AND mac[(i - 1) * m + jj] > best THEN best := mac[(i - 1) * m + jj]; bi := i; bj := jj; END IF;
                END LOOP;
            END LOOP;
            pairing[bi] := bj; used[bj] := true;
        END LOOP;
        dev := array_fill(0::float8, ARRAY[4 * m]); lev := array_fill(0, ARRAY[4 * m]);
        FOR i IN 1..m LOOP
            j := pairing[i];
            dev[i] := abs(st.frequency[j] - st.rf[i]) / abs(st.rf[i]);
            dev[m + i] := abs(st.damping[j] - st.rd[i]) / abs(st.rd[i]);
            dev[2 * m + i] := abs(st.mcf[j] - st.rm[i]) / abs(st.rm[i]);
            dev[3 * m + i] := mac[(i - 1) * m + j];
            FOR kp IN 0..3 LOOP
                o := (kp * m + (i - 1)) * 4;
                t := ARRAY[thr[o + 1], thr[o + 2], thr[o + 3], thr[o + 4]];
                lev[kp * m + i] := pg_temp.level_of(CASE WHEN kp = 3 THEN 1 - dev[3 * m + i] ELSE dev[kp * m + i] END, t);
            END LOOP;
        END LOOP;
        comac := array_fill(0::float8, ARRAY[s]); clev := array_fill(0, ARRAY[s]);
        FOR g IN 1..s LOOP
            xsum := 0; sa := 0; sb := 0;
            FOR i IN 1..m LOOP
                q := (pairing[i] - 1) * d; o := (i - 1) * d;
                dot := 0;
                FOR k IN (g - 1) * 3 + 1..g * 3 LOOP
                    dot := dot + rs[o + k] * sh[q + k];
                    sa := sa + rs[o + k] ^ 2; sb := sb + sh[q + k] ^ 2;
                END LOOP;
                xsum := xsum + abs(dot);
            END LOOP;
            comac[g] := least(1.0, xsum * xsum / (sa * sb));
            o := (4 * m + (g - 1)) * 4;
            clev[g] := pg_temp.level_of(1 - comac[g], ARRAY[thr[o + 1], thr[o + 2], thr[o + 3], thr[o + 4]]);
        END LOOP;
        local := 0;
        FOR i IN 1..m LOOP
            FOR kp IN 0..3 LOOP local := local + alpha[(i - 1) * 4 + kp + 1] * beta[lev[kp * m + i]]; END LOOP;
        END LOOP;
        local := local / m;
        cpts := 0;
        FOR g IN 1..s LOOP cpts := cpts + phi[g] * beta[clev[g]]; END LOOP;
        score := (pv.rho * local + (1 - pv.rho) * cpts) / beta[5];
        INSERT INTO plpgsql_kpi (state_id, load_id, structure_id, policy_version_id, measured_at, pairing, frequency_dev,
                                 damping_dev, mcf_dev, mac, comac, frequency_level, damping_level, mcf_level, mac_level, comac_level)
        VALUES (st.state_id, p_load, st.structure_id, st.policy_version_id, st.measured_at, pairing, dev[1:m], dev[m + 1:2 * m],
                dev[2 * m + 1:3 * m], dev[3 * m + 1:4 * m], comac, lev[1:m], lev[m + 1:2 * m], lev[2 * m + 1:3 * m],
                lev[3 * m + 1:4 * m], clev);
        INSERT INTO plpgsql_level (state_id, load_id, structure_id, policy_version_id, measured_at, local_points, comac_points,
                                   global_score, global_level)
        VALUES (st.state_id, p_load, st.structure_id, st.policy_version_id, st.measured_at, local, cpts, score,
                pg_temp.level_of(score, pv.global_thresholds));
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;

-- Run: loads of :load_states states, each generated (not timed), then its KPI step (timed).
CREATE TEMP TABLE timing (what text, states bigint, seconds float8);
CREATE FUNCTION pg_temp.make_load(n integer) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    v_load bigint := nextval('nightjar.monitoring_load_seq');
    v_structure bigint := (SELECT structure_id FROM nightjar.monitoring_structure WHERE external_id = 'BENCH-KPI');
BEGIN
    INSERT INTO nightjar.monitoring_state_match (state_id, load_id, status, structure_id, policy_version_id, measured_at,
                                                 frequency, damping, mcf, shape)
    SELECT -(v_load * 10000000 + g), v_load, 'matched', v_structure, nightjar.monitoring_policy_at(v_structure, now()),
           '2026-11-30'::timestamptz + g * interval '1 second', p.frequency, p.damping, p.mcf, p.shape
    FROM generate_series(1, n) g JOIN pool p ON p.p = g % 500;
    RETURN v_load;
END $$;
CREATE FUNCTION pg_temp.time_kpi(v_load bigint) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); r jsonb;
BEGIN
    r := nightjar.monitoring_compute_kpis(jsonb_build_object('load_id', v_load));
    INSERT INTO timing VALUES ('nightjar (C++)', (r ->> 'rows_in')::bigint, extract(epoch FROM clock_timestamp() - t0));
END $$;
CREATE FUNCTION pg_temp.time_plpgsql(v_load bigint, n integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE t0 timestamptz := clock_timestamp(); c bigint;
BEGIN
    c := pg_temp.kpi_plpgsql(v_load, n);
    INSERT INTO timing VALUES ('PL/pgSQL', c, extract(epoch FROM clock_timestamp() - t0));
END $$;
CREATE TEMP TABLE loads (load_id bigint);

CREATE FUNCTION pg_temp.run_load(n integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE l bigint := pg_temp.make_load(n);
BEGIN
    PERFORM pg_temp.time_kpi(l);
    DELETE FROM nightjar.monitoring_kpi WHERE load_id = l;   -- bounded disk use
    DELETE FROM nightjar.monitoring_level WHERE load_id = l;
    DELETE FROM nightjar.monitoring_state_match WHERE load_id = l;
END $$;

\o
\echo kpi_bench: :states states of :modes modes x :sensors sensors in loads of :load_states; PL/pgSQL baseline on :baseline_states states
SELECT pg_temp.make_load(least(:load_states, :states)) AS first_load \gset
ANALYZE nightjar.monitoring_state_match;
\o /dev/null
SELECT pg_temp.time_plpgsql(:first_load, :baseline_states);
SELECT pg_temp.time_kpi(:first_load);
SELECT format('SELECT pg_temp.run_load(%s)', least(:load_states, :states - k * :load_states))
FROM generate_series(1, ceil(:states::float8 / :load_states)::integer - 1) k \gexec
\o

SELECT what, sum(states) AS states, round(sum(seconds)::numeric, 2) AS seconds,
       round((sum(states) / sum(seconds))::numeric) AS states_per_s
FROM timing GROUP BY what ORDER BY what;
SELECT round(((SELECT sum(states) / sum(seconds) FROM timing WHERE what = 'nightjar (C++)')
            / (SELECT sum(states) / sum(seconds) FROM timing WHERE what = 'PL/pgSQL'))::numeric, 1)
       AS "ratio C++ / PL/pgSQL (states/s)";
SELECT count(*) AS compared, max(abs(c.global_score - p.global_score)) AS max_score_difference,
       count(*) FILTER (WHERE c.global_level <> p.global_level) AS level_differences,
       (SELECT count(*) FROM plpgsql_kpi pk JOIN nightjar.monitoring_kpi ck USING (state_id)
        WHERE pk.pairing <> ck.pairing OR pk.frequency_level <> ck.frequency_level OR pk.comac_level <> ck.comac_level
           OR pk.mac_level <> ck.mac_level) AS kpi_level_differences
FROM plpgsql_level p JOIN nightjar.monitoring_level c USING (state_id);
SELECT string_agg(format('L%s: %s', global_level, n), ', ' ORDER BY global_level) AS "global levels (first load)"
FROM (SELECT global_level, count(*) n FROM nightjar.monitoring_level WHERE load_id = :first_load GROUP BY 1) x;

\o /dev/null
DELETE FROM nightjar.monitoring_kpi WHERE load_id = :first_load;
DELETE FROM nightjar.monitoring_level WHERE load_id = :first_load;
DELETE FROM nightjar.monitoring_state_match WHERE load_id = :first_load;
DELETE FROM nightjar.monitoring_structure WHERE external_id = 'BENCH-KPI';
