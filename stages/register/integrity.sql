-- The register's keys and references, checked once it is loaded (integrity.ts reads the counts).
-- A register extract comes from another service. A person, disposal or offence listed twice would
-- silently give two events for one sentence, or count one sentence twice in someone's history; a
-- missing id cannot be told apart from any other. Those stop the stage. A disposal whose person
-- is not in people.parquet, or an offence whose disposal is not in disposals.parquet, is left out
-- (as the joins always did), now counted and reported instead of silently.
CREATE TEMP TABLE register_key_checks AS
SELECT 'people' AS file, 'register_id' AS field,
       count(*) FILTER (WHERE register_id IS NULL)::BIGINT AS missing,
       (count(register_id) - count(DISTINCT register_id))::BIGINT AS repeated
FROM people
UNION ALL
SELECT 'disposals', 'disposal_id',
       count(*) FILTER (WHERE disposal_id IS NULL)::BIGINT,
       (count(disposal_id) - count(DISTINCT disposal_id))::BIGINT
FROM disposals
UNION ALL
-- of the offences that count (load.sql leaves out those proven by a PND or by no known disposal)
SELECT 'offences', 'offence_id',
       count(*) FILTER (WHERE offence_id IS NULL)::BIGINT,
       (count(offence_id) - count(DISTINCT offence_id))::BIGINT
FROM offences;

-- Two single counts, each its own statement: as scalar subqueries of one SELECT they would be
-- joined to each other by a nested loop (of one row each, but the scale guard refuses any).
CREATE TEMP TABLE register_disposals_without_person AS
SELECT count(*)::BIGINT AS n FROM disposals d ANTI JOIN people p USING (register_id);

CREATE TEMP TABLE register_offences_without_disposal AS
SELECT count(*)::BIGINT AS n FROM read_parquet($offences) o ANTI JOIN disposals d USING (disposal_id);
