-- The pipeline's cohort: the intake's normalised rows, identifying and date columns only (the
-- intake's own matching keys are recomputed in cohort-keys.sql with the same rule as the
-- register's, so both sides are folded identically). `row_key` is a hash of everything the
-- linkage reads from a row, so a row whose content has not changed can keep its earlier
-- evidence whatever its row number (memo-*.sql).
CREATE TABLE cohort_all_in AS
SELECT row, surname, forename, dob, gender, pnc_id, prison_number, index_date, conviction_date,
       intervention_start_date, intervention_end_date, sentence_type,
       sha256(to_json({'surname': surname, 'forename': forename, 'dob': dob, 'gender': gender, 'pnc_id': pnc_id,
                       'prison_number': prison_number, 'index_date': index_date, 'conviction_date': conviction_date,
                       'intervention_start_date': intervention_start_date, 'intervention_end_date': intervention_end_date,
                       'sentence_type': sentence_type})) AS row_key
FROM read_parquet($cohort);
