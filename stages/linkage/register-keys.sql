-- The register's side of the linkage, computed once per register build (the linkage-model
-- stage) or once per `link` run: each person's matching keys and blocking columns, the prison
-- numbers, the sex each first forename almost always has, how many people share each name key
-- (for the name-alone blocks), and spelling counts for the term frequencies. The caller loads
-- `people_in` (rid: a BIGINT key for joins, register_id: the id as the file has it, and the
-- personal columns) and `prison_numbers_in` (rid, prison_number), then runs macros.sql,
-- register-spellings.sql and name-keys.sql.
CREATE TABLE register AS
WITH r AS (
  SELECT p.rid, p.register_id,
         coalesce(s.norm, '') AS sn,
         coalesce(f.norm, '') AS fn,
         coalesce(f.first_part, '') AS fn1,
         coalesce(s.phon, '') AS sn_ph,
         coalesce(f.phon_first, '') AS fn_ph,
         p.dob,
         gender_code(p.gender) AS gender,
         -- the register's PNC ids are usually in the long form already: only others are parsed
         CASE WHEN length(p.pnc_id) = 13 AND substr(p.pnc_id, 5, 1) = '/' THEN upper(p.pnc_id)
              ELSE pnc_from_parts(pnc_parts(p.pnc_id)) END AS pnc
  FROM people_in p
  LEFT JOIN raw_keys s ON s.raw = p.surname
  LEFT JOIN raw_keys f ON f.raw = p.forename
)
-- the blocking columns (candidates.sql): initials, the parts of the date, a name missing
SELECT *, left(replace(sn, ' ', ''), 1) AS sn_i, left(fn1, 1) AS fn_i,
       year(dob) AS y, month(dob) AS m, day(dob) AS d, sn = '' OR fn = '' AS name_missing
FROM r;

-- The sex a first forename almost always has in the register (95 % of at least 5 people): where a
-- cohort row gives no gender, a twin of the other sex (KRISTINA for KRISTIAN) is still told apart.
CREATE TABLE forename_sex AS
SELECT fn1, CASE WHEN count(*) FILTER (WHERE gender = 'M') >= 0.95 * count(*) THEN 'M'
                 WHEN count(*) FILTER (WHERE gender = 'F') >= 0.95 * count(*) THEN 'F' END AS sex
FROM register WHERE gender IS NOT NULL AND fn1 <> ''
GROUP BY fn1 HAVING count(*) >= 5;

CREATE TABLE register_prison_numbers AS
SELECT DISTINCT rid, prison_norm(prison_number) AS pn FROM prison_numbers_in WHERE prison_norm(prison_number) IS NOT NULL;

-- How many register people share each surname and first forename, as written and by sound (in
-- that order; candidates.sql looks both ways): the name-alone blocks skip crowded names.
CREATE TABLE name_block_sizes AS
SELECT 'name' AS kind, sn AS k1, fn1 AS k2, count(*) AS n FROM register WHERE sn <> '' AND fn1 <> '' GROUP BY ALL
UNION ALL
SELECT 'sound', sn_ph, fn_ph, count(*) FROM register WHERE sn_ph <> '' AND fn_ph <> '' GROUP BY ALL;

-- How many people have each spelling of surname and forename (term frequencies: frequencies.sql).
CREATE TABLE spellings AS
SELECT sn, fn, count(*) AS n FROM register GROUP BY ALL;
