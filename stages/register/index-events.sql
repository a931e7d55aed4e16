-- Index events (methodology §4.2): the one-year follow-up starts on release from custody, at the
-- start of a community or suspended sentence, or on receipt of a caution. A custodial sentence
-- with no release date yet has no index event. Fines, discharges and PNDs are never index events.
-- An event is kept only when its whole outcome window (one year plus six months for the offence
-- to be proven) lies on or before the extract date: otherwise its outcomes would be undercounted.
-- The two kinds are ENUMs (see load.sql), written back as strings by events.sql.
CREATE TYPE index_event_type AS ENUM ('custody_release', 'community_start', 'caution');

CREATE TYPE index_sentence_type AS ENUM ('custody', 'community', 'caution');

CREATE TABLE index_events AS
SELECT * FROM (
  SELECT d.disposal_id AS event_id,
         d.register_id,
         CASE d.disposal_type WHEN 'custody' THEN d.release_date ELSE d.disposal_date END AS index_date,
         d.disposal_date,
         CAST(CASE d.disposal_type WHEN 'custody' THEN 'custody_release' WHEN 'caution' THEN 'caution' ELSE 'community_start' END AS index_event_type) AS event_type,
         CAST(CASE d.disposal_type WHEN 'custody' THEN 'custody' WHEN 'caution' THEN 'caution' ELSE 'community' END AS index_sentence_type) AS sentence_type,
         CASE WHEN d.disposal_type = 'caution' THEN NULL ELSE d.sentence_months END AS sentence_months
  FROM disposals d
  WHERE d.disposal_type IN ('custody', 'community', 'suspended', 'caution')
    AND (d.disposal_type <> 'custody' OR d.release_date IS NOT NULL)
)
WHERE CAST(index_date + INTERVAL 1 YEAR + INTERVAL 6 MONTH AS DATE) <= CAST($extract_date AS DATE);
