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

-- The share of their adult life to date (from 18, or their first sentence if earlier, to the
-- row's own date or their last sentence's end, whichever is later) that the person spent under
-- sentence: the chance that a stranger's dates fall in one of their sentences (evidence.sql). A
-- prolific offender is under sentence much of the time, so dates inside one of their sentences
-- say less. Sentences are merged where they overlap, so each day counts once.
CREATE TABLE pair_sentence_cover AS
WITH w AS (
  SELECT p.row, p.rid, e.disposal_date AS a, coalesce(e.sentence_end, e.disposal_date) AS b
  FROM plausible p JOIN events_in e ON e.register_id = p.rid
), o AS (
  SELECT *, max(b) OVER (PARTITION BY row, rid ORDER BY a, b ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_end FROM w
), g AS (
  SELECT *, sum(CASE WHEN before_end IS NULL OR a > before_end THEN 1 ELSE 0 END) OVER (PARTITION BY row, rid ORDER BY a, b ROWS UNBOUNDED PRECEDING) AS spell FROM o
), spells AS (
  SELECT row, rid, min(a) AS a, max(b) AS b FROM g GROUP BY row, rid, spell
)
SELECT s.row, s.rid,
       sum(s.b - s.a + 1) / greatest(365, max(greatest(coalesce(c.intervention_start_date, c.index_date, c.conviction_date, s.b), s.b))
                                          - least(min(s.a), coalesce(CAST(any_value(r.dob) + INTERVAL 18 YEAR AS DATE), min(s.a))) + 1) AS cover
FROM spells s JOIN cohort c ON c.row = s.row JOIN register r ON r.rid = s.rid
GROUP BY s.row, s.rid;

-- (every plausible pair has a row here, events or not: a person with no index event fits no dates)
CREATE TABLE pair_date_support AS
SELECT p.row, p.rid AS register_id, max(e.date_points + e.type_points) AS best_event_points, any_value(sc.cover) AS sentence_cover,
       CASE WHEN c.index_date IS NULL AND c.conviction_date IS NULL AND c.intervention_start_date IS NULL THEN NULL
            ELSE coalesce(max(CASE WHEN coalesce(e.exact_date, false) THEN 3 WHEN e.date_points + e.type_points >= 4 THEN 2
                                   WHEN e.date_points >= 2 THEN 1 ELSE 0 END), 0) END AS date_level
FROM plausible p
JOIN cohort c ON c.row = p.row
LEFT JOIN pair_events e ON e.row = p.row AND e.register_id = p.rid
LEFT JOIN pair_sentence_cover sc ON sc.row = p.row AND sc.rid = p.rid
GROUP BY p.row, p.rid, c.index_date, c.conviction_date, c.intervention_start_date;
