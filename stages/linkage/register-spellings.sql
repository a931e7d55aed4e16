-- The register's spellings, to be keyed by name-keys.sql (which fills the two tables made here).
-- The caller loads `people_in` and `prison_numbers_in` (see register-keys.sql); macros.sql first.
CREATE TABLE raw_keys (raw VARCHAR, norm VARCHAR, first_part VARCHAR, phon VARCHAR, phon_first VARCHAR);
CREATE TABLE name_keys (norm VARCHAR, compact VARCHAR, parts VARCHAR[], first_part VARCHAR, phon VARCHAR, phon_first VARCHAR);
CREATE OR REPLACE TABLE new_spellings AS
SELECT surname AS raw FROM people_in UNION SELECT forename FROM people_in;
