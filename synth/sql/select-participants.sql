-- Who took part in programme $programme. Each person's candidate event is their FIRST index
-- event (release from custody, start of a community or suspended sentence, caution) in the
-- programme's period; it is eligible when it is of the programme's sentence types, the person is
-- old enough, and the follow-up needed to measure one-year reoffending lies within the extract.
-- Nobody already in another programme. Weighted sampling without replacement
-- (Efraimidis-Spirakis: the top n of ln(u) / weight) keeps it a pure function of the seed.
--
-- One candidate per person, fixed before anything that happens after it, is what makes the
-- selection ignorable for the pipeline's comparison (each person's first event in the period,
-- stages/propensity/inputs.sql): had any of a person's events in the period been a candidate, a
-- later event, which exists only because the person reoffended, could take the person out of the
-- comparison pool, and the pool would hold too few reoffenders.
--
-- Selection depends only on covariates exactly as the register records them, so that a model on
-- the register's covariates can remove the bias, while the naive comparison stays biased.
-- Computed here from the generator's own state, never from the pipeline's tables:
--  * age in whole years at the index date (the register knows the date of birth, not the latent
--    fractional age);
--  * previous offences proven before the index event, without those proven by a PND (the
--    register's history leaves PNDs out, so selecting on them would be unmeasured confounding);
--  * any day in employment in the 365 days before the index date (a spell that started before
--    the index date and ended on or after index - 365);
--  * custody.
-- The weight's form (log of the count, an indicator of work) is deliberately not the linear form
-- a naive propensity model would use.
INSERT INTO treated
WITH first_in_period AS (
  SELECT * FROM ev_gen
  WHERE index_date BETWEEN $from::DATE AND $to::DATE
  QUALIFY row_number() OVER (PARTITION BY register_id ORDER BY index_date, k) = 1
), eligible AS (
  SELECT d.register_id, d.k, d.disposal_id,
    year(d.index_date) - year(p.dob)
      - CASE WHEN month(d.index_date) * 100 + day(d.index_date) < month(p.dob) * 100 + day(p.dob) THEN 1 ELSE 0 END AS age_years,
    coalesce(d.emp_start < d.index_date AND d.emp_end >= d.index_date - 365, false) AS employed_1y,
    d.prev_off_rec, d.disposal_type
  FROM first_in_period d
  JOIN people_gen p USING (register_id)
  WHERE list_contains($types::VARCHAR[], CAST(d.disposal_type AS VARCHAR))
    AND d.age_index >= $min_age
    AND d.index_date + $follow_up_days::INTEGER <= $extract::DATE
    AND d.register_id NOT IN (SELECT register_id FROM treated)
), scored AS (
  SELECT register_id, k, disposal_id,
    -0.08 * (age_years - 30) + 0.9 * ln(1 + prev_off_rec) + 0.9 * employed_1y::INTEGER
      + 0.3 * (disposal_type = 'custody')::INTEGER AS score,
    u01($seed::BIGINT, disposal_id, 0, 'select-' || $programme) AS u
  FROM eligible
), keyed AS (
  SELECT *, ln(greatest(u, 1e-300)) / exp(score) AS sample_key FROM scored
)
SELECT register_id, k, $programme, $effect_pp
FROM keyed
ORDER BY sample_key DESC, register_id
LIMIT $n::BIGINT;
