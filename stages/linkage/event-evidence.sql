-- How well each index event of a plausible person fits the dates the provider sent:
--   the index date itself 8 (within a month 3); the conviction date 6 (within a month 2);
--   the intervention starting during the sentence 4, or within a year after it ends 2
--   (resettlement support after release); the same sentence type 1.
-- An event is eligible as the index event with at least 2 points from the dates. The pair's date
-- evidence (evidence.sql; the DPIA ranks sentence dates above name and date of birth) is the
-- level of its best-fitting event:
--   3 the index or conviction date itself; 2 a sentence the dates fit with 4 or more points;
--   1 an eligible event, no better; 0 the provider gave dates and none of the person's events
--   fits them; NULL the provider gave no dates (nothing to weigh).
-- Levels by kind of agreement, not by the points' sum: a date the provider copied exactly is
-- rarer by chance than a conviction a few days out plus an intervention during the sentence.
CREATE TABLE pair_events AS
SELECT p.row, p.rid AS register_id, e.event_id, e.index_date,
       (CASE WHEN c.index_date = e.index_date THEN 8 WHEN abs(c.index_date - e.index_date) <= 31 THEN 3 ELSE 0 END
      + CASE WHEN c.conviction_date = e.disposal_date THEN 6 WHEN abs(c.conviction_date - e.disposal_date) <= 31 THEN 2 ELSE 0 END
      + CASE WHEN c.intervention_start_date BETWEEN e.disposal_date AND coalesce(e.sentence_end, e.disposal_date) THEN 4
             WHEN c.intervention_start_date > coalesce(e.sentence_end, e.disposal_date)
              AND c.intervention_start_date <= coalesce(e.sentence_end, e.disposal_date) + 365 THEN 2
             ELSE 0 END) AS date_points,
       CASE WHEN c.sentence_type = e.sentence_type THEN 1 ELSE 0 END AS type_points,
       (c.index_date = e.index_date OR c.conviction_date = e.disposal_date) AS exact_date,
       abs(coalesce(c.index_date, c.conviction_date, c.intervention_start_date) - e.index_date) AS distance
FROM plausible p
JOIN cohort c ON c.row = p.row
JOIN events_in e ON e.register_id = p.rid;

-- (every plausible pair has a row here, events or not: a person with no index event fits no dates)
CREATE TABLE pair_date_support AS
SELECT p.row, p.rid AS register_id, max(e.date_points + e.type_points) AS best_event_points,
       CASE WHEN c.index_date IS NULL AND c.conviction_date IS NULL AND c.intervention_start_date IS NULL THEN NULL
            ELSE coalesce(max(CASE WHEN coalesce(e.exact_date, false) THEN 3 WHEN e.date_points + e.type_points >= 4 THEN 2
                                   WHEN e.date_points >= 2 THEN 1 ELSE 0 END), 0) END AS date_level
FROM plausible p
JOIN cohort c ON c.row = p.row
LEFT JOIN pair_events e ON e.row = p.row AND e.register_id = p.rid
GROUP BY p.row, p.rid, c.index_date, c.conviction_date, c.intervention_start_date;
