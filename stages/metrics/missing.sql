-- Matched events that the register's events file does not hold (a contract breach upstream).
SELECT count(*)::INTEGER AS missing
FROM matched AS m
WHERE NOT EXISTS (SELECT 1 FROM read_parquet($events) AS e WHERE e.event_id = m.event_id);
