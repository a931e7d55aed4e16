-- The evidence of the stage's earlier run (a row-level memo, offered by the framework only when
-- nothing but the cohort changed since): kept for the row contents the cohort still has.
CREATE TABLE memo_stats AS SELECT * FROM read_parquet($stats) SEMI JOIN cohort_all_in c USING (row_key);
CREATE TABLE memo_evidence AS SELECT * FROM read_parquet($evidence) SEMI JOIN cohort_all_in c USING (row_key);
CREATE TABLE memo_events AS SELECT * FROM read_parquet($events) SEMI JOIN cohort_all_in c USING (row_key);
