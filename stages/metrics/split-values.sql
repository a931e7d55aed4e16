-- The values sub-analyses split by, in the same row order as outcomes.sql (read only when
-- sub-analyses are asked for).
SELECT coalesce(region, 'Unknown') AS region, coalesce(sentence_type, 'Unknown') AS sentence_type,
       coalesce(gender, 'Unknown') AS gender
FROM analysis_rows
ORDER BY event_id;
