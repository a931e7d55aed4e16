-- Matching keys, computed the same way on both sides so that a provider's spelling and the
-- register's are compared like for like. `cohort_in` (row, surname, forename, dob, gender,
-- pnc_id, prison_number and the sentence dates), `people_in` and `prison_numbers_in` are loaded
-- by the caller (load-stage.sql for the pipeline, the link command for any files).

-- Names: accents folded, upper case, letters only; "O'Brien", "OBRIEN" and "O Brien" agree.
CREATE OR REPLACE TEMP MACRO name_compact(x) AS regexp_replace(strip_accents(upper(coalesce(x, ''))), '[^A-Z]', '', 'g');
-- The first forename only: providers add or drop middle names more often than they misspell.
CREATE OR REPLACE TEMP MACRO first_forename(x) AS
  split_part(trim(regexp_replace(regexp_replace(strip_accents(upper(coalesce(x, ''))), '[^A-Z ]', '', 'g'), ' +', ' ', 'g')), ' ', 1);
CREATE OR REPLACE TEMP MACRO gender_code(x) AS CASE upper(trim(coalesce(x, '')))
  WHEN 'M' THEN 'M' WHEN 'MALE' THEN 'M' WHEN 'F' THEN 'F' WHEN 'FEMALE' THEN 'F' ELSE NULL END;
-- PNC ids in the long form YYYY/NNNNNNNA; the short form YY/NNNNNA that forms and old
-- systems use is widened (years 50-99 are 19xx).
CREATE OR REPLACE TEMP MACRO pnc_parts(x) AS
  regexp_extract(upper(regexp_replace(coalesce(x, ''), '\s', '', 'g')), '^([0-9]{2}|[0-9]{4})/?([0-9]{1,7})([A-Z])$', ['y', 'n', 'c']);
-- from the parts (the macro repeats the regular expression per part: cheap for a cohort, and
-- the register's ids, already in the long form, skip it)
CREATE OR REPLACE TEMP MACRO pnc_from_parts(p) AS CASE WHEN p.y = '' THEN NULL ELSE
  (CASE WHEN length(p.y) = 4 THEN p.y WHEN p.y::INTEGER >= 50 THEN '19' || p.y ELSE '20' || p.y END)
  || '/' || lpad(p.n, 7, '0') || p.c END;
-- Every string made from x by swapping two adjacent, different characters between positions
-- `first` and `last` (1-based): the slips "transposed digits" produces.
CREATE OR REPLACE TEMP MACRO adjacent_swaps(x, first, last) AS
  list_transform(
    list_filter(range(first, last), lambda i: substr(x, i, 1) <> substr(x, i + 1, 1)),
    lambda i: substr(x, 1, i - 1) || substr(x, i + 1, 1) || substr(x, i, 1) || substr(x, i + 2));
-- Whether a and b are exactly one edit apart (Damerau-Levenshtein distance 1). Strings of one
-- length are one edit apart only when they differ in one place, or in two adjacent places
-- swapped, so the cheap Hamming distance settles most pairs and the costly edit distance runs
-- only for those that differ in exactly two places: a national run compares the PNC ids of
-- about two million candidate pairs.
CREATE OR REPLACE TEMP MACRO one_edit_apart(a, b) AS
  CASE WHEN length(a) <> length(b) THEN damerau_levenshtein(a, b) = 1
       WHEN hamming(a, b) = 1 THEN true
       WHEN hamming(a, b) = 2 THEN damerau_levenshtein(a, b) = 1
       ELSE false END;
CREATE OR REPLACE TEMP MACRO prison_norm(x) AS nullif(regexp_replace(upper(coalesce(x, '')), '[^A-Z0-9]', '', 'g'), '');
-- Day and month swapped (only when that is a real, different date).
CREATE OR REPLACE TEMP MACRO dob_swapped(d) AS CASE WHEN day(d) <= 12 AND day(d) <> month(d) THEN make_date(year(d), day(d), month(d)) END;
CREATE OR REPLACE TEMP MACRO dob_digits(d) AS strftime(d, '%Y%m%d');

-- Nicknames: every forename stands for itself and, if it is a nickname, for each formal name
-- it may abbreviate ("CHRIS" for CHRISTOPHER, CHRISTINE, CHRISTINA).
CREATE TABLE nicknames AS
SELECT DISTINCT first_forename(nickname) AS nickname, first_forename(formal) AS formal
FROM read_csv($nicknames, header = true, all_varchar = true);

-- Names are folded once per distinct spelling and joined back: a national register has
-- millions of people but only thousands of distinct names, and the regular expressions are
-- the costly part.
CREATE TABLE surname_keys AS
SELECT surname, name_compact(surname) AS sn
FROM (SELECT surname FROM people_in UNION SELECT surname FROM cohort_in)
WHERE surname IS NOT NULL;

CREATE TABLE forename_keys AS
SELECT forename, first_forename(forename) AS fn
FROM (SELECT forename FROM people_in UNION SELECT forename FROM cohort_in)
WHERE forename IS NOT NULL;

CREATE TABLE cohort AS
SELECT c.row::INTEGER AS row,
       coalesce(s.sn, '') AS sn,
       coalesce(f.fn, '') AS fn,
       c.dob,
       dob_digits(c.dob) AS dd,
       gender_code(c.gender) AS gender,
       pnc_from_parts(pnc_parts(c.pnc_id)) AS pnc,
       prison_norm(c.prison_number) AS pn,
       c.index_date, c.conviction_date, c.intervention_start_date, c.intervention_end_date,
       CASE lower(trim(coalesce(c.sentence_type, ''))) WHEN 'custody' THEN 'custody' WHEN 'community' THEN 'community'
            WHEN 'suspended' THEN 'community' WHEN 'caution' THEN 'caution' END AS sentence_type
FROM cohort_in c
LEFT JOIN surname_keys s ON s.surname = c.surname
LEFT JOIN forename_keys f ON f.forename = c.forename;

CREATE TABLE register AS
SELECT p.register_id,
       coalesce(s.sn, '') AS sn,
       coalesce(f.fn, '') AS fn,
       p.dob,
       dob_digits(p.dob) AS dd,
       gender_code(p.gender) AS gender,
       -- the register's PNC ids are already in the long form: only others are parsed
       CASE WHEN length(p.pnc_id) = 13 AND substr(p.pnc_id, 5, 1) = '/' THEN upper(p.pnc_id)
            ELSE pnc_from_parts(pnc_parts(p.pnc_id)) END AS pnc
FROM people_in p
LEFT JOIN surname_keys s ON s.surname = p.surname
LEFT JOIN forename_keys f ON f.forename = p.forename;

CREATE TABLE register_prison_numbers AS
SELECT DISTINCT register_id, prison_norm(prison_number) AS pn FROM prison_numbers_in WHERE prison_norm(prison_number) IS NOT NULL;

-- Canonical forms of every forename seen on either side.
CREATE TABLE forename_canon AS
WITH names AS (SELECT DISTINCT fn FROM cohort UNION SELECT DISTINCT fn FROM register)
SELECT fn, fn AS canon FROM names
UNION
SELECT n.fn, k.formal FROM names n JOIN nicknames k ON k.nickname = n.fn;
