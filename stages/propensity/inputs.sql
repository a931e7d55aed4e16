-- The modelling table: every treated event plus the comparison pool, one row per event.
-- Treated: the events that linked cohort rows point at (two rows linked to one event count once).
-- Comparison pool: each person's FIRST index event in the analysis period (by index date, then
-- event id), for people the linkage did not associate with any cohort row (any status that
-- carries a register_id), because a cohort member may have received the intervention even where
-- no eligible event was linked.
--
-- Why the first event only, as the proven reoffending statistics take an offender's first
-- eligible event in a period (methodology.md §4.2, [I]): a later event in the period exists only
-- because the person reoffended soon after an earlier one, so later events are people caught in
-- a quick cycle of reoffending whom no covariate on the index date fully describes; and a person
-- who joins the programme at a later event would otherwise leave their earlier events out of the
-- pool, taking reoffenders out of it. One event per person keeps the comparison like the treated.
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
CREATE TEMP TABLE psm_pool_first AS
SELECT arg_min(event_id, (index_date - DATE '1970-01-01')::HUGEINT * 18446744073709551616 + event_id::HUGEINT) AS event_id
FROM read_parquet($events)
WHERE index_date BETWEEN CAST($period_from AS DATE) AND CAST($period_to AS DATE)
  AND register_id NOT IN (SELECT register_id FROM psm_cohort_people)
GROUP BY register_id;

CREATE TEMP TABLE psm_input AS
SELECT e.*, CASE WHEN t.event_id IS NULL THEN 0 ELSE 1 END AS __treated
FROM read_parquet($events) e
LEFT JOIN psm_treated t ON t.event_id = e.event_id
WHERE t.event_id IS NOT NULL
   OR e.event_id IN (SELECT event_id FROM psm_pool_first);
