-- The matched people with their outcomes and the covariates the profile and sub-analyses use.
-- People with zero weight (e.g. treated people off common support) are not in the analysis.
CREATE TABLE analysis_rows AS
SELECT
  m.event_id,
  m.treated,
  m.weight,
  e.reoff::DOUBLE AS reoff,
  e.reoff_freq::DOUBLE AS reoff_freq,
  e.days_to_first::DOUBLE AS days_to_first,
  e.first_indictable::DOUBLE AS first_indictable,
  e.first_either_way::DOUBLE AS first_either_way,
  e.first_summary::DOUBLE AS first_summary,
  e.freq_indictable::DOUBLE AS freq_indictable,
  e.freq_either_way::DOUBLE AS freq_either_way,
  e.freq_summary::DOUBLE AS freq_summary,
  e.first_custody::DOUBLE AS first_custody,
  e.custody_freq::DOUBLE AS custody_freq,
  e.age_index::DOUBLE AS age_index,
  e.gender::VARCHAR AS gender,
  e.ethnicity::VARCHAR AS ethnicity,
  e.nationality::VARCHAR AS nationality,
  e.region::VARCHAR AS region,
  e.sentence_type::VARCHAR AS sentence_type
FROM matched AS m
JOIN read_parquet($events) AS e ON e.event_id = m.event_id
WHERE m.weight > 0;
