-- The upload file and its truth, in row order. Dates go out the way providers type them.
COPY (
  SELECT reference, surname, forename, strftime(dob, '%d/%m/%Y') AS dob, gender, pnc_id, prison_number,
    strftime(index_date, '%d/%m/%Y') AS index_date, strftime(conviction_date, '%d/%m/%Y') AS conviction_date,
    strftime(intervention_start_date, '%d/%m/%Y') AS intervention_start_date,
    strftime(intervention_end_date, '%d/%m/%Y') AS intervention_end_date,
    sentence_type, notes
  FROM req_all ORDER BY row
) TO $cohort_path (FORMAT csv, HEADER true);

COPY (
  SELECT row, register_id, disposal_id, duplicate_of,
    nullif(concat_ws(';', nullif(errors, ''), CASE WHEN duplicate_of IS NOT NULL THEN 'duplicate' END), '') AS errors
  FROM req_all ORDER BY row
) TO $truth_path (FORMAT csv, HEADER true);
