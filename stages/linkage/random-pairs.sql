-- The random pairs that give u: the two samples (sample-register.sql or sample-both.sql) crossed
-- by equality joins on a generated pair number (a plain cross join would be the only cross
-- product in the linkage SQL; see test/linkage/plans.test.ts), added to `pair_records` for
-- compare.sql, which compares them by the same rules as the blocked pairs.
CREATE TABLE IF NOT EXISTS pair_records (kind VARCHAR, lid BIGINT, rid BIGINT,
  l_sn VARCHAR, l_fn VARCHAR, l_dob DATE, l_dd VARCHAR, l_gender VARCHAR,
  r_sn VARCHAR, r_fn VARCHAR, r_dob DATE, r_dd VARCHAR, r_gender VARCHAR, r_pnc VARCHAR);
INSERT INTO pair_records
WITH l AS (SELECT *, row_number() OVER (ORDER BY hash(sn, fn, dd, gender), id) - 1 AS i FROM sample_left),
     r AS (SELECT *, row_number() OVER (ORDER BY hash(sn, fn, dd, gender), id) - 1 AS j FROM sample_right),
     p AS (SELECT range // $u_sample AS i, range % $u_sample AS j FROM range(0, $u_sample * $u_sample))
SELECT 'random' AS kind, l.id AS lid, r.id AS rid,
       l.sn AS l_sn, l.fn AS l_fn, l.dob AS l_dob, l.dd AS l_dd, l.gender AS l_gender,
       r.sn AS r_sn, r.fn AS r_fn, r.dob AS r_dob, r.dd AS r_dd, r.gender AS r_gender, NULL AS r_pnc
FROM p JOIN l ON l.i = p.i JOIN r ON r.j = p.j;

