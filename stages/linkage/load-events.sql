-- Index events, with the dates of the sentence they belong to (conviction or caution date and
-- the end of the sentence) for choosing the one the intervention relates to.
CREATE TABLE events_in AS
SELECT e.event_id, e.register_id, e.index_date, e.sentence_type, d.disposal_date,
       CASE WHEN e.sentence_type = 'custody' THEN d.release_date
            WHEN e.sentence_type = 'community' THEN CAST(d.disposal_date + to_months(CAST(round(coalesce(d.sentence_months, 12)) AS INTEGER)) AS DATE)
            ELSE d.disposal_date END AS sentence_end
FROM read_parquet($events) e
JOIN read_parquet($disposals) d ON d.disposal_id = e.event_id
-- only the people some cohort row might be: the rest of the register is never read into memory
WHERE e.register_id IN (SELECT rid FROM candidates);
