-- The linkage-model stage's inputs: the register's people and prison numbers (identifying
-- columns only). The register's ids are integers already, so they are their own join key (rid).
CREATE TABLE people_in AS
SELECT register_id::BIGINT AS rid, register_id, surname, forename, dob, gender, pnc_id FROM read_parquet($people);

CREATE TABLE prison_numbers_in AS
SELECT register_id::BIGINT AS rid, prison_number FROM read_parquet($prison_numbers);
