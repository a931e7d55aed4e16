-- The national register, read once. Only the columns the events need are loaded, so the
-- names and identifiers in people.parquet never enter this stage's database.
CREATE TABLE people AS
SELECT register_id, dob, gender, ethnicity, nationality, region
FROM read_parquet($people);

CREATE TABLE disposals AS
SELECT disposal_id, register_id, disposal_date, disposal_type, sentence_months, release_date
FROM read_parquet($disposals);

-- Each offence carries what the measures need of the disposal that proved it, in narrow
-- columns because at national scale this is the largest table: its severity (1 indictable,
-- 2 either way, 3 summary) and whether the disposal was immediate custody. Offences proven by
-- a PND are left out here: a PND never counts, neither in the history nor as a reoffence.
CREATE TABLE offences AS
SELECT o.offence_id, o.register_id, o.disposal_id, o.offence_date, o.proven_date,
       CAST(CASE o.mode_of_trial WHEN 'indictable' THEN 1 WHEN 'either_way' THEN 2 WHEN 'summary' THEN 3 ELSE 4 END AS UTINYINT) AS severity_rank,
       d.disposal_type = 'custody' AS custody
FROM read_parquet($offences) o
JOIN disposals d USING (disposal_id)
WHERE d.disposal_type <> 'pnd';

CREATE TABLE spells AS
SELECT register_id, spell_type, start_date, end_date FROM read_parquet($spells);

CREATE TABLE assessments AS
SELECT * FROM read_parquet($assessments);
