-- The fresh evidence (keyed by row content) joined with the memo's, and then spread over every
-- cohort row with that content: the tables decide.sql and index-event.sql read, as a full
-- re-link would have made them.
-- Only the events that can be chosen as the index event are kept (2 date points or more:
-- index-event.sql); the others have done their work in each pair's date support (evidence.sql).
CREATE TABLE fresh_stats AS SELECT f.row_key, s.* EXCLUDE (row) FROM row_stats s JOIN fresh_rows f USING (row);
CREATE TABLE fresh_evidence AS SELECT f.row_key, e.* EXCLUDE (row) FROM pair_evidence e JOIN fresh_rows f USING (row);
CREATE TABLE fresh_events AS SELECT f.row_key, e.* EXCLUDE (row) FROM pair_events e JOIN fresh_rows f USING (row) WHERE e.date_points >= 2;
CREATE TABLE IF NOT EXISTS memo_evidence AS SELECT * FROM fresh_evidence LIMIT 0;
CREATE TABLE IF NOT EXISTS memo_events AS SELECT * FROM fresh_events LIMIT 0;
DROP TABLE row_stats;
DROP TABLE pair_evidence;
DROP TABLE pair_events;

-- (views: read once more to write the memo, not worth a copy of a national run's evidence)
CREATE VIEW keyed_stats AS SELECT * FROM fresh_stats UNION ALL BY NAME SELECT * FROM memo_stats;
CREATE VIEW keyed_evidence AS SELECT * FROM fresh_evidence UNION ALL BY NAME SELECT * FROM memo_evidence;
CREATE VIEW keyed_events AS SELECT * FROM fresh_events UNION ALL BY NAME SELECT * FROM memo_events;

CREATE TABLE cohort_rows AS SELECT row, row_key FROM cohort_all_in;
CREATE TABLE row_stats AS SELECT c.row, s.* EXCLUDE (row_key) FROM cohort_rows c JOIN keyed_stats s USING (row_key);
CREATE TABLE pair_evidence AS SELECT c.row, e.* EXCLUDE (row_key) FROM cohort_rows c JOIN keyed_evidence e USING (row_key);
CREATE TABLE pair_events AS SELECT c.row, e.* EXCLUDE (row_key) FROM cohort_rows c JOIN keyed_events e USING (row_key);
