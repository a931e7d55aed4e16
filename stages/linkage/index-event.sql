-- The index event of each linked row: the person's event whose dates fit the provider's best
-- (see event-evidence.sql), ties broken by the sentence type, then the event nearest the given
-- date, then the lower event id. A linked person with no eligible event is lost as
-- `no_eligible_sentence`; one whose chosen event starts its follow-up outside the request's
-- analysis period is lost as `outside_period` (the comparison group is drawn from that period).
CREATE TABLE chosen_event AS
SELECT row, register_id, event_id, index_date FROM (
  SELECT pe.*, row_number() OVER (PARTITION BY pe.row ORDER BY pe.date_points DESC, pe.type_points DESC, pe.distance NULLS LAST, pe.event_id) AS rn
  FROM pair_events pe
  JOIN person_links_dedup l ON l.row = pe.row AND l.rid = pe.register_id AND l.status = 'linked'
  WHERE pe.date_points >= 2
)
WHERE rn = 1;

-- `register_id` is the register's own id (as its file has it), whatever its type.
CREATE TABLE links AS
SELECT l.row,
       CASE WHEN l.status <> 'linked' THEN l.status
            WHEN NOT $with_events THEN 'linked'
            WHEN e.event_id IS NULL THEN 'no_eligible_sentence'
            WHEN e.index_date < CAST($period_from AS DATE) OR e.index_date > CAST($period_to AS DATE) THEN 'outside_period'
            ELSE 'linked' END AS status,
       -- a suspect or unmatched row keeps no register person: the candidate was discarded
       CASE WHEN l.status IN ('linked', 'duplicate') THEN l.tier END AS tier,
       l.score::DOUBLE AS score,
       CASE WHEN l.status IN ('linked', 'duplicate') THEN p.register_id END AS register_id,
       CASE WHEN l.status = 'linked' THEN e.event_id END AS event_id,
       l.suspect_kind,
       l.weight
FROM person_links_dedup l
LEFT JOIN register p ON p.rid = l.rid
LEFT JOIN chosen_event e ON e.row = l.row;
