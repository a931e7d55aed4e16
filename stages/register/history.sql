-- Criminal history as at the index date: only what had been proven strictly before the index
-- date counts, and the index disposal itself is not "previous" (for a custodial sentence its
-- conviction precedes the release date). An offence committed before the index date but proven
-- after it is therefore neither history nor a reoffence for that event: on the index date the
-- service could not have known about it. It enters the history of later events once proven.
--
-- The two kinds of row (previous disposals, previous offences) are aggregated in one GROUP BY,
-- each measure over its own kind (src), so there is one table of 7.7 million events to build and
-- join at national scale instead of two. An event without rows of either kind has no row here;
-- events.sql reads the counts as 0 and the date as NULL then.
CREATE TABLE history AS
SELECT event_id,
       -- kind (load.sql): 1 custody, 2 suspended, 3 community, 4 fine, 5 discharge, 6 caution
       count(id) FILTER (WHERE src = 1 AND kind BETWEEN 1 AND 5)::INTEGER AS prev_convictions,
       count(id) FILTER (WHERE src = 1 AND kind = 6)::INTEGER AS prev_cautions,
       count(id) FILTER (WHERE src = 1 AND kind = 1)::INTEGER AS prev_custody,
       count(id) FILTER (WHERE src = 2)::INTEGER AS prev_offences,
       min(day) FILTER (WHERE src = 2) AS first_prev_offence_date
FROM (
  -- previous disposals
  SELECT e.event_id, 1 AS src, d.disposal_id AS id, d.kind, CAST(NULL AS DATE) AS day
  FROM index_events e
  JOIN disposals d
    ON d.register_id = e.register_id AND d.disposal_date < e.index_date AND d.disposal_id <> e.event_id
  UNION ALL
  -- previous offences (proven strictly before the index date, not by the index disposal)
  SELECT e.event_id, 2, o.offence_id, NULL, o.offence_date
  FROM index_events e
  JOIN offences o
    ON o.register_id = e.register_id AND o.proven_date < e.index_date AND o.disposal_id <> e.event_id
)
GROUP BY event_id;

-- The index offence: the most serious offence the index disposal proved (indictable before
-- either-way before summary), ties broken by offence id so the choice is stable. Its earliest
-- offence date counts towards the age at first offence: someone with no history started
-- offending with the index offence. It is read from the offences table: an index event is never
-- a PND, so none of its offences is among those the table leaves out.
-- The choice is one arg_min over a single HUGEINT that sorts like (seriousness, offence id): the
-- seriousness rank times 2^64 plus the offence id, which any BIGINT id fits below. An ordered
-- aggregate (first(... ORDER BY ...)) gives the same rows but sorts every disposal's offences:
-- about 1.5 s more at national scale.
CREATE TABLE index_offence AS
SELECT o.disposal_id AS event_id,
       arg_min(o.offence_type, o.severity_rank::HUGEINT * 18446744073709551616 + o.offence_id::HUGEINT) AS index_offence_type,
       min(o.offence_date) AS first_index_offence_date
FROM offences o
SEMI JOIN index_events e ON e.event_id = o.disposal_id
GROUP BY o.disposal_id;

-- Days in employment and on benefit in the 365 days before the index date, [index - 365, index).
-- Spells are clipped to that window (an open spell runs to the index date); the sum is capped
-- at 365 in case spells of one kind overlap.
CREATE TABLE spell_days AS
SELECT e.event_id,
       least(365, coalesce(sum(greatest(0, least(coalesce(s.end_date + 1, e.index_date), e.index_date) - greatest(s.start_date, e.index_date - 365)))
             FILTER (WHERE s.kind = 1), 0))::INTEGER AS employed_days_1y,
       least(365, coalesce(sum(greatest(0, least(coalesce(s.end_date + 1, e.index_date), e.index_date) - greatest(s.start_date, e.index_date - 365)))
             FILTER (WHERE s.kind = 2), 0))::INTEGER AS benefit_days_1y
FROM index_events e
JOIN spells s
  ON s.register_id = e.register_id AND s.start_date < e.index_date AND (s.end_date IS NULL OR s.end_date >= e.index_date - 365)
GROUP BY e.event_id;

-- The latest assessment made on or before the index date (needs as known at that date). Of several
-- made the same day, the one with the highest OGRS, then the lowest needs, so the choice is stable.
-- Picking that one per person and day first leaves one candidate per date, so an ASOF join (the
-- latest date not after the index date) finds it: about twice as fast at national scale as ranking
-- every (event, earlier assessment) pair with a window, with the same rows.
CREATE TABLE index_assessment AS
WITH daily AS (
  SELECT * FROM assessments
  QUALIFY row_number() OVER (PARTITION BY register_id, assessment_date
                             ORDER BY ogrs DESC, need_accommodation, need_employment, need_relationships, need_lifestyle,
                                      need_drugs, need_alcohol, need_thinking, need_attitudes) = 1
)
SELECT e.event_id, a.* EXCLUDE (register_id, assessment_date)
FROM index_events e
ASOF JOIN daily a ON a.register_id = e.register_id AND a.assessment_date <= e.index_date;
