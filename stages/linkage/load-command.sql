-- The link command's inputs: any cohort and people files with the standard columns. Both were
-- read as text into `cohort_raw` and `people_raw` with standard column names (missing ones are
-- NULL); here dates in dd/mm/yyyy or yyyy-mm-dd become DATEs. A date that parses neither way is
-- NULL, so that person can still be found through the other fields.
CREATE OR REPLACE TEMP MACRO any_date(x) AS
  coalesce(try_strptime(trim(x), '%d/%m/%Y'), try_strptime(trim(x), '%Y-%m-%d'), try_strptime(left(trim(x), 10), '%Y-%m-%d'))::DATE;

CREATE TABLE cohort_in AS
SELECT row::INTEGER AS row, surname, forename, any_date(dob) AS dob, gender, pnc_id, prison_number,
       any_date(index_date) AS index_date, any_date(conviction_date) AS conviction_date,
       any_date(intervention_start_date) AS intervention_start_date, any_date(intervention_end_date) AS intervention_end_date,
       sentence_type
FROM cohort_raw;

CREATE TABLE people_in AS
SELECT register_id::BIGINT AS register_id, surname, forename, any_date(dob) AS dob, gender, pnc_id
FROM people_raw;
