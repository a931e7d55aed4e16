-- One-year proven reoffending (methodology §5.1, data-contracts.md): an offence committed in
-- (index_date, index_date + 1 year], proven by a disposal other than a PND (the offences table
-- already excludes PNDs) no later than index_date + 1 year + 6 months. "1 year" is a calendar
-- year, so when the year contains 29 February the window is 366 days long.
--
-- The first reoffence is the earliest by offence date; on the same day the most serious one
-- (then the lowest offence id) is first, so the court-outcome and custody measures are stable.
-- It is found by one arg_min over a HUGEINT that sorts like (offence date, seriousness, offence
-- id): days since 1970 times 2^96, plus the seriousness rank times 2^64, plus the offence id
-- (any BIGINT fits below 2^64 once the rank is added, and any date below 2^127). What it keeps
-- of that offence is coded as seriousness * 2 + custody. This gives the same rows as ranking the
-- reoffences with a window, without sorting them or storing them in a table first (national
-- scale: about 2 s less).
CREATE TABLE outcomes AS
WITH windows AS (
  -- the window ends once per event, not once per (event, offence) pair
  SELECT event_id, register_id, index_date,
         CAST(index_date + INTERVAL 1 YEAR AS DATE) AS window_end,
         CAST(index_date + INTERVAL 1 YEAR + INTERVAL 6 MONTH AS DATE) AS proven_by
  FROM index_events
),
per_event AS (
  SELECT e.event_id,
         count(*)::INTEGER AS reoff_freq,
         min(o.offence_date - e.index_date)::INTEGER AS days_to_first,
         arg_min(o.severity_rank * 2 + o.custody::INTEGER,
                 (o.offence_date - DATE '1970-01-01')::HUGEINT * 79228162514264337593543950336
                 + o.severity_rank::HUGEINT * 18446744073709551616
                 + o.offence_id::HUGEINT) AS first_code,
         count(*) FILTER (WHERE o.severity_rank = 1)::INTEGER AS freq_indictable,
         count(*) FILTER (WHERE o.severity_rank = 2)::INTEGER AS freq_either_way,
         count(*) FILTER (WHERE o.severity_rank = 3)::INTEGER AS freq_summary,
         -- one custodial sentence may prove several reoffences: count sentences, not offences
         count(DISTINCT o.disposal_id) FILTER (WHERE o.custody)::INTEGER AS custody_freq
  FROM windows e
  JOIN offences o
    ON o.register_id = e.register_id
   AND o.offence_date > e.index_date
   AND o.offence_date <= e.window_end
   AND o.proven_date <= e.proven_by
  GROUP BY e.event_id
)
SELECT event_id, reoff_freq, days_to_first,
       (first_code // 2 = 1)::INTEGER AS first_indictable,
       (first_code // 2 = 2)::INTEGER AS first_either_way,
       (first_code // 2 = 3)::INTEGER AS first_summary,
       freq_indictable, freq_either_way, freq_summary,
       (first_code % 2)::INTEGER AS first_custody,
       custody_freq
FROM per_event;
