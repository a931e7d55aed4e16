-- The modelling table: every treated event plus the comparison pool, one row per event.
-- Treated: the events that linked cohort rows point at (two rows linked to one event count once).
-- Comparison pool: events with an index date in the analysis period, of people the linkage did
-- not associate with any cohort row (any status that carries a register_id), because a cohort
-- member may have received the intervention even where no eligible event was linked.
CREATE TEMP TABLE psm_treated AS
SELECT DISTINCT event_id
FROM read_parquet($links)
WHERE status = 'linked' AND event_id IS NOT NULL;

-- People withdrawn from the request (stages/purge/withdrawal.ts) leave the pool too: their blanked
-- cohort row no longer links them, so without this they would come back as comparators.
CREATE TEMP TABLE psm_cohort_people AS
SELECT DISTINCT register_id
FROM read_parquet($links)
WHERE register_id IS NOT NULL
UNION
SELECT CAST(unnest(from_json($withdrawn, '["VARCHAR"]')) AS BIGINT) AS register_id;

-- Not sorted here: the design fixes the row order itself (ORDER BY event_id), so sorting all ~45
-- event columns of a national pool here would be wasted work. (A view would read fewer columns,
-- but a view cannot hold the bound parameters.)
CREATE TEMP TABLE psm_input AS
SELECT e.*, CASE WHEN t.event_id IS NULL THEN 0 ELSE 1 END AS __treated
FROM read_parquet($events) e
LEFT JOIN psm_treated t ON t.event_id = e.event_id
WHERE t.event_id IS NOT NULL
   OR (e.index_date BETWEEN CAST($period_from AS DATE) AND CAST($period_to AS DATE)
       AND e.register_id NOT IN (SELECT register_id FROM psm_cohort_people));
