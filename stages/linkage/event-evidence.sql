-- How well each index event of a plausible person fits the dates the provider sent:
--   the index date itself 8 (within a month 3); the conviction date 6 (within a month 2);
--   the intervention starting during the sentence 4, or within a year after it ends 2
--   (resettlement support after release); the same sentence type 1.
-- An event is eligible as the index event with at least 2 points from the dates; a person with
-- an eligible event whose dates fit with 4 or more points has "date support", extra evidence in
-- decide.sql, which the DPIA ranks above name and date of birth.
CREATE TABLE pair_events AS
SELECT p.row, p.rid AS register_id, e.event_id, e.index_date,
       (CASE WHEN c.index_date = e.index_date THEN 8 WHEN abs(c.index_date - e.index_date) <= 31 THEN 3 ELSE 0 END
      + CASE WHEN c.conviction_date = e.disposal_date THEN 6 WHEN abs(c.conviction_date - e.disposal_date) <= 31 THEN 2 ELSE 0 END
      + CASE WHEN c.intervention_start_date BETWEEN e.disposal_date AND coalesce(e.sentence_end, e.disposal_date) THEN 4
             WHEN c.intervention_start_date > coalesce(e.sentence_end, e.disposal_date)
              AND c.intervention_start_date <= coalesce(e.sentence_end, e.disposal_date) + 365 THEN 2
             ELSE 0 END) AS date_points,
       CASE WHEN c.sentence_type = e.sentence_type THEN 1 ELSE 0 END AS type_points,
       abs(coalesce(c.index_date, c.conviction_date, c.intervention_start_date) - e.index_date) AS distance
FROM plausible p
JOIN cohort c ON c.row = p.row
JOIN events_in e ON e.register_id = p.rid;

CREATE TABLE pair_date_support AS
SELECT row, register_id, max(date_points + type_points) AS best_event_points
FROM pair_events GROUP BY row, register_id;
