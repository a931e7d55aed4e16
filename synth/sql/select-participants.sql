-- Who took part in programme $programme: index events in its period, of its sentence types, with
-- the follow-up needed to measure one-year reoffending. Selection depends only on covariates the
-- register records (age at index, previous offences, recent work, sentence type), so the naive
-- comparison is biased but a model on those covariates can remove the bias. At most one event per
-- person, and nobody who is already in another programme. Weighted sampling without replacement
-- (Efraimidis-Spirakis: the top n of ln(u) / weight) keeps it a pure function of the seed.
INSERT INTO treated
WITH eligible AS (
  SELECT d.register_id, d.k, d.disposal_id,
    -0.08 * (d.age_index - 30) + 0.9 * ln(1 + d.prev_off) + 0.9 * (d.emp_days_1y > 0)::INTEGER
      + 0.3 * (d.disposal_type = 'custody')::INTEGER AS score,
    u01($seed::BIGINT, d.disposal_id, 0, 'select-' || $programme) AS u
  FROM ev_gen d
  WHERE d.index_date BETWEEN $from::DATE AND $to::DATE
    AND list_contains($types::VARCHAR[], CAST(d.disposal_type AS VARCHAR))
    AND d.age_index >= $min_age
    AND d.index_date + $follow_up_days::INTEGER <= $extract::DATE
    AND d.register_id NOT IN (SELECT register_id FROM treated)
), keyed AS (
  SELECT *, ln(greatest(u, 1e-300)) / exp(score) AS sample_key FROM eligible
), one_per_person AS (
  SELECT *, row_number() OVER (PARTITION BY register_id ORDER BY sample_key DESC, k) AS nth FROM keyed
)
SELECT register_id, k, $programme, $effect_pp
FROM one_per_person
WHERE nth = 1
ORDER BY sample_key DESC, register_id
LIMIT $n::BIGINT;
