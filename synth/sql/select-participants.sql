-- Who took part in programme $programme: index events in its period, of its sentence types, with
-- the follow-up needed to measure one-year reoffending. At most one event per person, and nobody
-- who is already in another programme. Weighted sampling without replacement
-- (Efraimidis-Spirakis: the top n of ln(u) / weight) keeps it a pure function of the seed.
--
-- Selection depends only on covariates exactly as the register records them, so that a model on
-- the register's covariates can remove the bias (treatment is ignorable given them), while the
-- naive comparison stays biased. Computed here from the generator's own state, never from the
-- pipeline's tables:
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
WITH eligible AS (
  SELECT d.register_id, d.k, d.disposal_id,
    year(d.index_date) - year(p.dob)
      - CASE WHEN month(d.index_date) * 100 + day(d.index_date) < month(p.dob) * 100 + day(p.dob) THEN 1 ELSE 0 END AS age_years,
    coalesce(d.emp_start < d.index_date AND d.emp_end >= d.index_date - 365, false) AS employed_1y,
    d.prev_off_rec, d.disposal_type
  FROM ev_gen d
  JOIN people_gen p USING (register_id)
  WHERE d.index_date BETWEEN $from::DATE AND $to::DATE
    AND list_contains($types::VARCHAR[], CAST(d.disposal_type AS VARCHAR))
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
), one_per_person AS (
  SELECT *, row_number() OVER (PARTITION BY register_id ORDER BY sample_key DESC, k) AS nth FROM keyed
)
SELECT register_id, k, $programme, $effect_pp
FROM one_per_person
WHERE nth = 1
ORDER BY sample_key DESC, register_id
LIMIT $n::BIGINT;
