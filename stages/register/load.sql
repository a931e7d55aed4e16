-- The national register, read once. Only the columns the events need are loaded, so the
-- names and identifiers in people.parquet never enter this stage's database.
-- The people's categories are held as ENUMs of the values the file has, one byte each instead
-- of a string: the final join and sort of events.sql move about a third less data (national
-- scale: about 4 s of CPU less), and events.sql writes them back as the same strings.
CREATE TYPE register_gender AS ENUM (SELECT DISTINCT gender FROM read_parquet($people) WHERE gender IS NOT NULL ORDER BY gender);

CREATE TYPE register_ethnicity AS ENUM (SELECT DISTINCT ethnicity FROM read_parquet($people) WHERE ethnicity IS NOT NULL ORDER BY ethnicity);

CREATE TYPE register_nationality AS ENUM (SELECT DISTINCT nationality FROM read_parquet($people) WHERE nationality IS NOT NULL ORDER BY nationality);

CREATE TYPE register_region AS ENUM (SELECT DISTINCT region FROM read_parquet($people) WHERE region IS NOT NULL ORDER BY region);

CREATE TABLE people AS
SELECT register_id, dob, gender::register_gender AS gender, ethnicity::register_ethnicity AS ethnicity,
       nationality::register_nationality AS nationality, region::register_region AS region
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
