-- One-year proven reoffending (methodology §5.1, data-contracts.md): an offence committed in
-- (index_date, index_date + 1 year], proven by a disposal other than a PND (the offences table
-- already excludes PNDs) no later than index_date + 1 year + 6 months. "1 year" is a calendar
-- year, so when the year contains 29 February the window is 366 days long.
CREATE TABLE reoffences AS
SELECT e.event_id, o.offence_id, o.disposal_id, o.offence_date, o.severity_rank, o.custody,
       o.offence_date - e.index_date AS days_after
FROM index_events e
JOIN offences o
  ON o.register_id = e.register_id
 AND o.offence_date > e.index_date
 AND o.offence_date <= CAST(e.index_date + INTERVAL 1 YEAR AS DATE)
 AND o.proven_date <= CAST(e.index_date + INTERVAL 1 YEAR + INTERVAL 6 MONTH AS DATE);

-- The first reoffence is the earliest by offence date; on the same day the most serious one
-- (then the lowest offence id) is first, so the court-outcome and custody measures are stable.
CREATE TABLE outcomes AS
WITH ranked AS (
  SELECT *, row_number() OVER (PARTITION BY event_id ORDER BY offence_date, severity_rank, offence_id) AS rn
  FROM reoffences
)
SELECT event_id,
       count(*)::INTEGER AS reoff_freq,
       min(days_after)::INTEGER AS days_to_first,
       max(CASE WHEN rn = 1 AND severity_rank = 1 THEN 1 ELSE 0 END)::INTEGER AS first_indictable,
       max(CASE WHEN rn = 1 AND severity_rank = 2 THEN 1 ELSE 0 END)::INTEGER AS first_either_way,
       max(CASE WHEN rn = 1 AND severity_rank = 3 THEN 1 ELSE 0 END)::INTEGER AS first_summary,
       count(*) FILTER (WHERE severity_rank = 1)::INTEGER AS freq_indictable,
       count(*) FILTER (WHERE severity_rank = 2)::INTEGER AS freq_either_way,
       count(*) FILTER (WHERE severity_rank = 3)::INTEGER AS freq_summary,
       max(CASE WHEN rn = 1 AND custody THEN 1 ELSE 0 END)::INTEGER AS first_custody,
       -- one custodial sentence may prove several reoffences: count sentences, not offences
       count(DISTINCT disposal_id) FILTER (WHERE custody)::INTEGER AS custody_freq
FROM ranked
GROUP BY event_id;
