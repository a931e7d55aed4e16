-- The cohort's spellings, to be keyed by name-keys.sql: only those the register does not
-- already have are normalised there.
CREATE OR REPLACE TABLE new_spellings AS
SELECT surname AS raw FROM cohort_in UNION SELECT forename FROM cohort_in;
