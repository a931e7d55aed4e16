-- Index events (methodology §4.2): the one-year follow-up starts on release from custody, at the
-- start of a community or suspended sentence, or on receipt of a caution. A custodial sentence
-- with no release date yet has no index event. Fines, discharges and PNDs are never index events.
-- An event is kept only when its whole outcome window (one year plus six months for the offence
-- to be proven) lies on or before the extract date: otherwise its outcomes would be undercounted.
-- The two kinds are ENUMs (see load.sql), which events.sql writes as strings.
CREATE TYPE index_event_type AS ENUM ('custody_release', 'community_start', 'caution');

CREATE TYPE index_sentence_type AS ENUM ('custody', 'community', 'caution');

-- index + 1 year + 6 months never decreases as the index date grows (month ends are clamped, never
-- wrapped), so the events whose window ends by the extract date are those up to the last day
-- whose window does: found once among the days of the twenty months before the extract date,
-- not by date arithmetic on each of 10 million disposals (about 0.9 s of CPU at national scale).
-- A variable, not a subquery in the WHERE clause: that would join every disposal to it.
SET VARIABLE last_index_date = (
  SELECT max(day)::DATE
  FROM range(CAST($extract_date AS DATE) - INTERVAL 20 MONTH, CAST($extract_date AS DATE) + INTERVAL 1 DAY, INTERVAL 1 DAY) AS days(day)
  WHERE CAST(day::DATE + INTERVAL 1 YEAR + INTERVAL 6 MONTH AS DATE) <= CAST($extract_date AS DATE)
);

CREATE TABLE index_events AS
SELECT * FROM (
  SELECT d.disposal_id AS event_id,
         d.register_id,
         CASE d.kind WHEN 1 THEN d.release_date ELSE d.disposal_date END AS index_date,
         d.disposal_date,
         CAST(CASE d.kind WHEN 1 THEN 'custody_release' WHEN 6 THEN 'caution' ELSE 'community_start' END AS index_event_type) AS event_type,
         CAST(CASE d.kind WHEN 1 THEN 'custody' WHEN 6 THEN 'caution' ELSE 'community' END AS index_sentence_type) AS sentence_type,
         CASE WHEN d.kind = 6 THEN NULL ELSE d.sentence_months END AS sentence_months
  FROM disposals d
  -- kind (load.sql): 1 custody, 2 suspended, 3 community, 6 caution
  WHERE d.kind IN (1, 2, 3, 6)
    AND (d.kind <> 1 OR d.release_date IS NOT NULL)
)
WHERE index_date <= getvariable('last_index_date');
