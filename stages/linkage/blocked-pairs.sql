-- The blocked pairs (candidates.sql) with both records' personal details, added to
-- `pair_records` for compare.sql (and the register's PNC id, for score.sql: one join of the
-- register fewer).
CREATE TABLE IF NOT EXISTS pair_records (kind VARCHAR, lid BIGINT, rid BIGINT,
  l_sn VARCHAR, l_fn VARCHAR, l_dob DATE, l_dd VARCHAR, l_gender VARCHAR,
  r_sn VARCHAR, r_fn VARCHAR, r_dob DATE, r_dd VARCHAR, r_gender VARCHAR, r_pnc VARCHAR);
INSERT INTO pair_records
SELECT 'blocked' AS kind, k.row::BIGINT AS lid, k.rid,
       c.sn AS l_sn, c.fn AS l_fn, c.dob AS l_dob, c.dd AS l_dd, c.gender AS l_gender,
       r.sn AS r_sn, r.fn AS r_fn, r.dob AS r_dob, dob_digits(r.dob) AS r_dd, r.gender AS r_gender, r.pnc AS r_pnc
FROM candidates k JOIN cohort c ON c.row = k.row JOIN register r ON r.rid = k.rid;
