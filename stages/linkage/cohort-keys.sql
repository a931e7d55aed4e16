-- The cohort's matching keys, computed the same way as the register's (register-keys.sql). The
-- caller loads `cohort_in` (row, surname, forename, dob, gender, pnc_id, prison_number and the
-- sentence dates) and runs cohort-spellings.sql and name-keys.sql first.
CREATE TABLE cohort AS
SELECT c.row::INTEGER AS row,
       coalesce(s.norm, '') AS sn,
       coalesce(f.norm, '') AS fn,
       coalesce(f.first_part, '') AS fn1,
       coalesce(s.phon, '') AS sn_ph,
       coalesce(f.phon_first, '') AS fn_ph,
       c.dob,
       dob_digits(c.dob) AS dd,
       gender_code(c.gender) AS gender,
       pnc_from_parts(pnc_parts(c.pnc_id)) AS pnc,
       prison_norm(c.prison_number) AS pn,
       c.index_date, c.conviction_date, c.intervention_start_date, c.intervention_end_date,
       CASE lower(trim(coalesce(c.sentence_type, ''))) WHEN 'custody' THEN 'custody' WHEN 'community' THEN 'community'
            WHEN 'suspended' THEN 'community' WHEN 'caution' THEN 'caution' END AS sentence_type
FROM cohort_in c
LEFT JOIN raw_keys s ON s.raw = c.surname
LEFT JOIN raw_keys f ON f.raw = c.forename;
