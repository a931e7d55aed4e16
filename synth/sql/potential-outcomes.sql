-- Every participant's eleven one-year reoffending measures in both worlds: without the programme
-- (world 0, the first pass of the careers) and with it (world 1, the careers replayed from the
-- treated step). Both come from the same draws, so with an effect of 0 they are the same for
-- everybody, and their difference is the programme's exact effect on each participant.
--
-- Inputs: po_events (the treated index events), po_dis_without and po_dis_with (the
-- participants' disposals from the treated step on, in each world).
--
-- The measures follow methodology.md §5 as the register would record them, but are computed
-- here independently of the pipeline: an offence committed in (index, index + 1 calendar year],
-- proven by a disposal other than a PND no later than index + 1 year + 6 months. The first
-- reoffence is the earliest; on the same day the most serious (indictable, either way, summary),
-- then the lowest offence id.
CREATE OR REPLACE TABLE po_offences AS
WITH d AS (
  SELECT 0 AS world, * FROM po_dis_without
  UNION ALL
  SELECT 1 AS world, * FROM po_dis_with
), expanded AS (
  SELECT world, register_id, disposal_id, o_date, disposal_date, disposal_type, main_type, main_mode,
    unnest(range(n_off)) AS j
  FROM d
  WHERE disposal_type <> 'pnd'
), drawn AS (
  SELECT *, offence_hash($seed::BIGINT, disposal_id, j) AS h FROM expanded
), typed AS (
  SELECT *, nth_offence_type(h, j, main_type) AS offence_type FROM drawn
)
SELECT world, register_id, disposal_id, disposal_id * 100 + j AS offence_id,
  nth_offence_date(h, j, o_date, disposal_date) AS offence_date,
  disposal_date AS proven_date,
  nth_offence_mode(h, j, main_mode, offence_type) AS mode,
  disposal_type = 'custody' AS custody
FROM typed;

CREATE OR REPLACE TABLE po_reoffences AS
SELECT w.world, e.programme, e.event_id, o.offence_id, o.disposal_id, o.offence_date, o.custody,
  CASE o.mode WHEN 'indictable' THEN 1 WHEN 'either_way' THEN 2 ELSE 3 END AS seriousness,
  o.offence_date - e.index_date AS days_after,
  row_number() OVER (PARTITION BY w.world, e.event_id
                     ORDER BY o.offence_date, CASE o.mode WHEN 'indictable' THEN 1 WHEN 'either_way' THEN 2 ELSE 3 END, o.offence_id) AS nth
FROM po_events e
CROSS JOIN (VALUES (0), (1)) w(world)
JOIN po_offences o ON o.world = w.world AND o.register_id = e.register_id
WHERE o.offence_date > e.index_date
  AND o.offence_date <= CAST(e.index_date + INTERVAL 1 YEAR AS DATE)
  AND o.proven_date <= CAST(e.index_date + INTERVAL 1 YEAR + INTERVAL 6 MONTH AS DATE);

-- One row per participant and world; the reoffender-only measures are NULL for non-reoffenders,
-- so a mean over a column is the mean over that world's reoffenders.
CREATE OR REPLACE TABLE potential_outcomes AS
WITH per AS (
  SELECT world, event_id,
    count(*)::INTEGER AS reoff_freq,
    min(days_after)::INTEGER AS days_to_first,
    max(CASE WHEN nth = 1 THEN seriousness END) AS first_seriousness,
    max(CASE WHEN nth = 1 THEN custody::INTEGER END) AS first_custody,
    count(*) FILTER (WHERE seriousness = 1)::INTEGER AS freq_indictable,
    count(*) FILTER (WHERE seriousness = 2)::INTEGER AS freq_either_way,
    count(*) FILTER (WHERE seriousness = 3)::INTEGER AS freq_summary,
    count(DISTINCT disposal_id) FILTER (WHERE custody)::INTEGER AS custody_freq
  FROM po_reoffences
  GROUP BY world, event_id
)
SELECT e.programme, e.event_id, e.register_id, w.world,
  (p.event_id IS NOT NULL)::INTEGER AS reoff,
  coalesce(p.reoff_freq, 0) AS reoff_freq,
  p.days_to_first,
  (p.first_seriousness = 1)::INTEGER AS first_indictable,
  (p.first_seriousness = 2)::INTEGER AS first_either_way,
  (p.first_seriousness = 3)::INTEGER AS first_summary,
  p.freq_indictable, p.freq_either_way, p.freq_summary,
  p.first_custody,
  p.custody_freq
FROM po_events e
CROSS JOIN (VALUES (0), (1)) w(world)
LEFT JOIN per p ON p.world = w.world AND p.event_id = e.event_id;

DROP TABLE po_reoffences;
DROP TABLE po_offences;
DROP TABLE po_dis_without;
DROP TABLE po_dis_with;
