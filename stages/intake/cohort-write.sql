-- intake.cohort (data-contracts.md): one row per usable person, ordered by row so that the same
-- upload always gives the same bytes.
COPY (
  SELECT
    row,
    reference,
    surname,
    forename,
    CAST(dob AS DATE) AS dob,
    gender,
    pnc_id,
    prison_number,
    CAST(index_date AS DATE) AS index_date,
    CAST(conviction_date AS DATE) AS conviction_date,
    CAST(intervention_start_date AS DATE) AS intervention_start_date,
    CAST(intervention_end_date AS DATE) AS intervention_end_date,
    sentence_type,
    surname_key,
    forename_key
  FROM cohort_in
  ORDER BY row
) TO $path (FORMAT parquet);
