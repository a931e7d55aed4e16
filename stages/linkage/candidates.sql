-- Blocking: candidate pairs come only from equality joins on cheap keys, never from a
-- cohort x register product, so the work grows with the block sizes, not with N x M. Each block
-- survives a different kind of slip, and their union survives any single one:
--   PNC id, PNC with transposed digits, prison number      (identifier blocks)
--   dob + surname initial, dob + forename initial            (a typo or nickname in one name)
--   swapped-dob + surname initial                            (day and month swapped)
--   dob with two adjacent digits swapped + both initials     (transposed digits in the dob)
--   surname + canonical forename + two of year, month, day   (a slip in one part of the dob;
--                                                            and the name-only suspects the
--                                                            DPIA asks to count)
-- A pure name block is left out on purpose: "SMITH DAVID" is tens of thousands of people in a
-- national register, and a name with nothing else is never enough to link.
CREATE TABLE cohort_keys AS
SELECT c.row, c.sn, c.fn, c.dob, c.pnc, c.pn,
       left(c.sn, 1) AS sn1, left(c.fn, 1) AS fn1,
       dob_swapped(c.dob) AS dob_sw
FROM cohort c;

-- The transposition blocks are built from the cohort side: each cohort PNC and date of birth
-- expanded into its few adjacent-digit swaps, then joined on the register's own values.
CREATE TABLE cohort_pnc_swaps AS
SELECT row, unnest(adjacent_swaps(pnc, 6, 12)) AS pnc_swap
FROM cohort WHERE pnc IS NOT NULL;

CREATE TABLE cohort_dob_swaps AS
SELECT k.row, k.sn1, k.fn1, try_strptime(v.dd_swap, '%Y%m%d')::DATE AS dob_swap
FROM cohort_keys k
JOIN (SELECT row, unnest(adjacent_swaps(dd, 1, 8)) AS dd_swap FROM cohort WHERE dd IS NOT NULL) v USING (row)
WHERE try_strptime(v.dd_swap, '%Y%m%d') IS NOT NULL;

CREATE TABLE cohort_canon AS
SELECT k.row, k.sn, f.canon, year(k.dob) AS y, month(k.dob) AS m, day(k.dob) AS d
FROM cohort_keys k JOIN forename_canon f ON f.fn = k.fn
WHERE k.sn <> '' AND k.fn <> '' AND k.dob IS NOT NULL;

CREATE TABLE register_keys AS
SELECT r.register_id, r.sn, r.dob, r.pnc, left(r.sn, 1) AS sn1, left(r.fn, 1) AS fn1
FROM register r;

CREATE TABLE register_canon AS
SELECT r.register_id, r.sn, f.canon, year(r.dob) AS y, month(r.dob) AS m, day(r.dob) AS d
FROM register r JOIN forename_canon f ON f.fn = r.fn
WHERE r.sn <> '' AND r.fn <> '' AND r.dob IS NOT NULL;

CREATE TABLE candidates AS
SELECT DISTINCT row, register_id FROM (
  SELECT c.row, r.register_id FROM cohort_keys c JOIN register_keys r ON r.pnc = c.pnc
  UNION ALL
  SELECT c.row, r.register_id FROM cohort_pnc_swaps c JOIN register_keys r ON r.pnc = c.pnc_swap
  UNION ALL
  SELECT c.row, p.register_id FROM cohort_keys c JOIN register_prison_numbers p ON p.pn = c.pn
  UNION ALL
  SELECT c.row, r.register_id FROM cohort_keys c JOIN register_keys r ON r.dob = c.dob AND r.sn1 = c.sn1
  UNION ALL
  SELECT c.row, r.register_id FROM cohort_keys c JOIN register_keys r ON r.dob = c.dob AND r.fn1 = c.fn1
  UNION ALL
  SELECT c.row, r.register_id FROM cohort_keys c JOIN register_keys r ON r.dob = c.dob_sw AND r.sn1 = c.sn1
  UNION ALL
  SELECT c.row, r.register_id FROM cohort_dob_swaps c JOIN register_keys r ON r.dob = c.dob_swap AND r.sn1 = c.sn1 AND r.fn1 = c.fn1
  UNION ALL
  SELECT c.row, r.register_id FROM cohort_canon c JOIN register_canon r ON r.sn = c.sn AND r.canon = c.canon AND r.y = c.y AND r.m = c.m
  UNION ALL
  SELECT c.row, r.register_id FROM cohort_canon c JOIN register_canon r ON r.sn = c.sn AND r.canon = c.canon AND r.y = c.y AND r.d = c.d
  UNION ALL
  SELECT c.row, r.register_id FROM cohort_canon c JOIN register_canon r ON r.sn = c.sn AND r.canon = c.canon AND r.m = c.m AND r.d = c.d
);
