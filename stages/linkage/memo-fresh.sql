-- The rows to link now: one per row content that the memo (memo-load.sql) does not have, the
-- first row with that content standing for the others. Everything linkage computes for a row
-- depends on the row's content, the register and the model only, never on the other rows.
CREATE TABLE IF NOT EXISTS memo_stats (row_key VARCHAR, candidates BIGINT, plausible BIGINT);
CREATE TABLE cohort_in AS
SELECT c.* EXCLUDE (row_key) FROM cohort_all_in c
SEMI JOIN (SELECT row_key, min(row) AS row FROM cohort_all_in GROUP BY row_key) r USING (row, row_key)
ANTI JOIN memo_stats m USING (row_key);
CREATE TABLE fresh_rows AS
SELECT row, row_key FROM cohort_all_in SEMI JOIN cohort_in USING (row);
