-- The pipeline's inputs: the intake's normalised cohort and the register's people and prison
-- numbers. Only identifying columns are read; the intake's own matching keys are recomputed in
-- keys.sql with the same rule as the register's, so both sides are folded identically. The
-- register's ids are integers already, so they are their own join key (rid).
CREATE TABLE cohort_in AS
SELECT row, surname, forename, dob, gender, pnc_id, prison_number, index_date, conviction_date,
       intervention_start_date, intervention_end_date, sentence_type
FROM read_parquet($cohort);

CREATE TABLE people_in AS
SELECT register_id::BIGINT AS rid, register_id, surname, forename, dob, gender, pnc_id FROM read_parquet($people);

CREATE TABLE prison_numbers_in AS
SELECT register_id::BIGINT AS rid, prison_number FROM read_parquet($prison_numbers);
