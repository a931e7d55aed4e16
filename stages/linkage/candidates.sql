-- Blocking: candidate pairs come only from equality joins on cheap keys, never from a
-- cohort x register product, so the work grows with the block sizes, not with N x M. Each rule
-- survives a different kind of slip, and their union survives most single ones and many pairs:
--   identifiers    PNC id; PNC with two adjacent digits transposed; prison number
--   dob exact      + surname initial, + forename initial, + both initials crosswise (names
--                  swapped), or alone when either side has a name missing
--   dob slips      day/month swapped + either initial; two adjacent digits transposed + both
--                  initials; the sound of both names + two of year, month and day (a wrong
--                  digit or year, with or without a typo in the names)
--   dob missing    the sound of both names (either order) when either side has no dob
--   names alone    surname and first forename, as written or by sound, either order, but only
--                  where at most $name_block_cap register people share them: a date of birth
--                  can be wrong beyond recognition, and a rare name can still decide with the
--                  model's weights; "SMITH DAVID" is thousands of people in a national register
--                  and would only add noise (and time)
-- Blocking decides which pairs are compared, never which are linked: the model decides.
CREATE TABLE cohort_keys AS
SELECT c.row, c.dob, c.pnc, c.pn, left(replace(c.sn, ' ', ''), 1) AS sn_i, left(c.fn1, 1) AS fn_i, c.sn_ph, c.fn_ph,
       dob_swapped(c.dob) AS dob_sw, year(c.dob) AS y, month(c.dob) AS m, day(c.dob) AS d,
       c.sn = '' OR c.fn = '' AS name_missing
FROM cohort c;

-- The register people in the name-alone blocks of some cohort row (either order), where at most
-- $name_block_cap people share the key (name_block_sizes, register-keys.sql).
CREATE TABLE cohort_names AS
SELECT c.row, c.sn, c.fn1, k.sn_ph, k.fn_ph FROM cohort c JOIN cohort_keys k USING (row) WHERE c.sn <> '' AND c.fn1 <> '';
CREATE TABLE register_rare_names AS
WITH keys AS (SELECT sn AS k1, fn1 AS k2 FROM cohort_names UNION SELECT fn1, sn FROM cohort_names),
     rare AS (SELECT b.k1, b.k2 FROM name_block_sizes b SEMI JOIN keys USING (k1, k2) WHERE b.kind = 'name' AND b.n <= $name_block_cap)
SELECT r.rid, r.sn, r.fn1 FROM register r SEMI JOIN rare ON rare.k1 = r.sn AND rare.k2 = r.fn1;
CREATE TABLE register_rare_sounds AS
WITH keys AS (SELECT sn_ph AS k1, fn_ph AS k2 FROM cohort_names UNION SELECT fn_ph, sn_ph FROM cohort_names),
     rare AS (SELECT b.k1, b.k2 FROM name_block_sizes b SEMI JOIN keys USING (k1, k2) WHERE b.kind = 'sound' AND b.n <= $name_block_cap)
SELECT r.rid, r.sn_ph, r.fn_ph FROM register r SEMI JOIN rare ON rare.k1 = r.sn_ph AND rare.k2 = r.fn_ph;

-- The transposition blocks are built from the cohort side: each cohort PNC and date of birth
-- expanded into its few adjacent-digit swaps, then joined on the register's own values (a swap
-- is its own inverse, so the rule is the same whichever file is the cohort).
CREATE TABLE cohort_pnc_swaps AS
SELECT row, unnest(adjacent_swaps(pnc, 6, 12)) AS pnc_swap
FROM cohort WHERE pnc IS NOT NULL;

CREATE TABLE cohort_dob_swaps AS
SELECT k.row, k.sn_i, k.fn_i, try_strptime(v.dd_swap, '%Y%m%d')::DATE AS dob_swap
FROM cohort_keys k
JOIN (SELECT row, unnest(adjacent_swaps(dd, 1, 8)) AS dd_swap FROM cohort WHERE dd IS NOT NULL) v USING (row)
WHERE try_strptime(v.dd_swap, '%Y%m%d') IS NOT NULL;

CREATE TABLE candidates AS
SELECT DISTINCT row, rid FROM (
  SELECT c.row, r.rid FROM cohort_keys c JOIN register r ON r.pnc = c.pnc
  UNION ALL
  SELECT c.row, r.rid FROM cohort_pnc_swaps c JOIN register r ON r.pnc = c.pnc_swap
  UNION ALL
  SELECT c.row, p.rid FROM cohort_keys c JOIN register_prison_numbers p ON p.pn = c.pn
  UNION ALL
  SELECT c.row, r.rid FROM cohort_keys c JOIN register r ON r.dob = c.dob AND r.sn_i = c.sn_i
  UNION ALL
  SELECT c.row, r.rid FROM cohort_keys c JOIN register r ON r.dob = c.dob AND r.fn_i = c.fn_i
  UNION ALL
  SELECT c.row, r.rid FROM cohort_keys c JOIN register r ON r.dob = c.dob AND r.fn_i = c.sn_i AND r.sn_i = c.fn_i
  UNION ALL
  SELECT c.row, r.rid FROM (SELECT * FROM cohort_keys WHERE name_missing) c JOIN register r ON r.dob = c.dob
  UNION ALL
  SELECT c.row, r.rid FROM cohort_keys c JOIN (SELECT * FROM register WHERE name_missing) r ON r.dob = c.dob
  UNION ALL
  SELECT c.row, r.rid FROM cohort_keys c JOIN register r ON r.dob = c.dob_sw AND r.sn_i = c.sn_i
  UNION ALL
  SELECT c.row, r.rid FROM cohort_keys c JOIN register r ON r.dob = c.dob_sw AND r.fn_i = c.fn_i
  UNION ALL
  SELECT c.row, r.rid FROM cohort_dob_swaps c JOIN register r ON r.dob = c.dob_swap AND r.sn_i = c.sn_i AND r.fn_i = c.fn_i
  UNION ALL
  SELECT c.row, r.rid FROM cohort_keys c JOIN register r ON r.sn_ph = c.sn_ph AND r.fn_ph = c.fn_ph AND r.y = c.y AND r.m = c.m
  UNION ALL
  SELECT c.row, r.rid FROM cohort_keys c JOIN register r ON r.sn_ph = c.sn_ph AND r.fn_ph = c.fn_ph AND r.y = c.y AND r.d = c.d
  UNION ALL
  SELECT c.row, r.rid FROM cohort_keys c JOIN register r ON r.sn_ph = c.sn_ph AND r.fn_ph = c.fn_ph AND r.m = c.m AND r.d = c.d
  UNION ALL
  SELECT c.row, r.rid FROM (SELECT * FROM cohort_keys WHERE dob IS NULL AND sn_ph <> '' AND fn_ph <> '') c
    JOIN register r ON r.sn_ph = c.sn_ph AND r.fn_ph = c.fn_ph
  UNION ALL
  SELECT c.row, r.rid FROM (SELECT * FROM cohort_keys WHERE dob IS NULL AND sn_ph <> '' AND fn_ph <> '') c
    JOIN register r ON r.sn_ph = c.fn_ph AND r.fn_ph = c.sn_ph
  UNION ALL
  SELECT c.row, r.rid FROM cohort_keys c
    JOIN (SELECT * FROM register WHERE dob IS NULL AND sn_ph <> '' AND fn_ph <> '') r ON r.sn_ph = c.sn_ph AND r.fn_ph = c.fn_ph
  UNION ALL
  SELECT c.row, r.rid FROM cohort_keys c
    JOIN (SELECT * FROM register WHERE dob IS NULL AND sn_ph <> '' AND fn_ph <> '') r ON r.sn_ph = c.fn_ph AND r.fn_ph = c.sn_ph
  UNION ALL
  SELECT c.row, r.rid FROM cohort_names c JOIN register_rare_names r ON r.sn = c.sn AND r.fn1 = c.fn1
  UNION ALL
  SELECT c.row, r.rid FROM cohort_names c JOIN register_rare_names r ON r.sn = c.fn1 AND r.fn1 = c.sn
  UNION ALL
  SELECT c.row, r.rid FROM cohort_names c JOIN register_rare_sounds r ON r.sn_ph = c.sn_ph AND r.fn_ph = c.fn_ph
  UNION ALL
  SELECT c.row, r.rid FROM cohort_names c JOIN register_rare_sounds r ON r.sn_ph = c.fn_ph AND r.fn_ph = c.sn_ph
);
