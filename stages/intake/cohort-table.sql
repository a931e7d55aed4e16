-- Staging table for the normalised cohort. The appender fills it with bound values (names are
-- never spliced into SQL); dates arrive as yyyy-mm-dd text and are cast on the way out.
CREATE TABLE cohort_in (
  row INTEGER,
  reference VARCHAR,
  surname VARCHAR,
  forename VARCHAR,
  dob VARCHAR,
  gender VARCHAR,
  pnc_id VARCHAR,
  prison_number VARCHAR,
  index_date VARCHAR,
  conviction_date VARCHAR,
  intervention_start_date VARCHAR,
  intervention_end_date VARCHAR,
  sentence_type VARCHAR,
  surname_key VARCHAR,
  forename_key VARCHAR
);
