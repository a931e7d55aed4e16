-- The row-level memo, keyed by row content (owner-only: personal), in a fixed order so that a
-- run that reused part of it writes the same bytes as a full one.
COPY (SELECT * FROM keyed_stats ORDER BY row_key) TO $stats (FORMAT parquet);
COPY (SELECT * FROM keyed_evidence ORDER BY row_key, rid) TO $evidence (FORMAT parquet);
COPY (SELECT * FROM keyed_events ORDER BY row_key, register_id, event_id) TO $events (FORMAT parquet);
