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

-- The disposal's type as a one-byte code, so that the joins of history.sql (61 million
-- event-disposal pairs at national scale) and the offences below compare numbers, not strings:
-- 1 custody, 2 suspended, 3 community, 4 fine, 5 discharge, 6 caution, 7 PND, 0 any other type;
-- a missing type stays NULL, so it compares as the string did (neither equal nor unequal).
CREATE TABLE disposals AS
SELECT disposal_id, register_id, disposal_date,
       CAST(CASE disposal_type WHEN 'custody' THEN 1 WHEN 'suspended' THEN 2 WHEN 'community' THEN 3 WHEN 'fine' THEN 4
                               WHEN 'discharge' THEN 5 WHEN 'caution' THEN 6 WHEN 'pnd' THEN 7
                               ELSE CASE WHEN disposal_type IS NOT NULL THEN 0 END END AS UTINYINT) AS kind,
       sentence_months, release_date
FROM read_parquet($disposals);

-- The offence's type as an ENUM (one byte), for the index offence (history.sql).
CREATE TYPE register_offence_type AS ENUM (SELECT DISTINCT offence_type FROM read_parquet($offences) WHERE offence_type IS NOT NULL ORDER BY offence_type);

-- Each offence carries what the measures need of the disposal that proved it, in narrow
-- columns because at national scale this is the largest table: its severity (1 indictable,
-- 2 either way, 3 summary) and whether the disposal was immediate custody. Offences proven by
-- a PND are left out here: a PND never counts, neither in the history nor as a reoffence.
CREATE TABLE offences AS
SELECT o.offence_id, o.register_id, o.disposal_id, o.offence_date, o.proven_date,
       o.offence_type::register_offence_type AS offence_type,
       CAST(CASE o.mode_of_trial WHEN 'indictable' THEN 1 WHEN 'either_way' THEN 2 WHEN 'summary' THEN 3 ELSE 4 END AS UTINYINT) AS severity_rank,
       d.kind = 1 AS custody
FROM read_parquet($offences) o
JOIN disposals d USING (disposal_id)
WHERE d.kind <> 7;

-- The spell's type as a code, as the disposals': 1 employment, 2 benefit, 0 any other, NULL missing.
CREATE TABLE spells AS
SELECT register_id,
       CAST(CASE spell_type WHEN 'employment' THEN 1 WHEN 'benefit' THEN 2 ELSE CASE WHEN spell_type IS NOT NULL THEN 0 END END AS UTINYINT) AS kind,
       start_date, end_date
FROM read_parquet($spells);

CREATE TABLE assessments AS
SELECT * FROM read_parquet($assessments);
