-- Matching keys, computed the same way on both sides so that a provider's spelling and the
-- register's are compared like for like. The caller loads `cohort_in` (row, surname, forename,
-- dob, gender, pnc_id, prison_number and the sentence dates), `people_in` (rid: a BIGINT key
-- for the join, register_id: the id as the file has it, and the personal columns) and
-- `prison_numbers_in` (rid, prison_number).

-- Names: accents folded, upper case, apostrophes dropped ("O'Brien" = "OBRIEN"), every other
-- run of non-letters a word break, so hyphens and spaces both separate the parts of a
-- multi-part name ("SMITH-JONES", "MARY ANN", "DA COSTA").
CREATE OR REPLACE TEMP MACRO name_norm(x) AS
  trim(regexp_replace(regexp_replace(strip_accents(upper(coalesce(x, ''))), '[''`]', '', 'g'), '[^A-Z]+', ' ', 'g'));
-- A phonetic code in the manner of Soundex, computable in SQL: MAC- read as MC-, PH as F; the
-- first letter kept (C as K, any vowel as A), then the sound class of each later letter, repeats
-- of a class collapsed, vowels separating repeats and then dropped (CATHERINE = KATHERINE,
-- MUHAMMAD = MOHAMMED, STEVEN = STEPHEN, MCDONALD = MACDONALD; KEITH <> SCOTT).
CREATE OR REPLACE TEMP MACRO sound_spelling(x) AS replace(regexp_replace(x, '^MAC', 'MC'), 'PH', 'F');
CREATE OR REPLACE TEMP MACRO sound_classes(x) AS translate(sound_spelling(x), 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', '01230120022455012623010202');
-- (s: the list of a name's sound classes, one per letter; x: the name)
CREATE OR REPLACE TEMP MACRO phonetic_of(s, x) AS
  CASE WHEN left(x, 1) IN ('A', 'E', 'I', 'O', 'U', 'Y') THEN 'A' WHEN left(x, 1) = 'C' THEN 'K' ELSE left(x, 1) END
  || left(substr(array_to_string(list_filter(list_filter(s, (ch, i) -> i = 1 OR ch <> s[i - 1]), (ch, i) -> i = 1 OR ch <> '0'), ''), 2), 4);
CREATE OR REPLACE TEMP MACRO gender_code(x) AS CASE upper(trim(coalesce(x, '')))
  WHEN 'M' THEN 'M' WHEN 'MALE' THEN 'M' WHEN 'F' THEN 'F' WHEN 'FEMALE' THEN 'F' ELSE NULL END;
-- PNC ids in the long form YYYY/NNNNNNNA; the short form YY/NNNNNA that forms and old
-- systems use is widened (years 50-99 are 19xx).
CREATE OR REPLACE TEMP MACRO pnc_parts(x) AS
  regexp_extract(upper(regexp_replace(coalesce(x, ''), '\s', '', 'g')), '^([0-9]{2}|[0-9]{4})/?([0-9]{1,7})([A-Z])$', ['y', 'n', 'c']);
CREATE OR REPLACE TEMP MACRO pnc_from_parts(p) AS CASE WHEN p.y = '' THEN NULL ELSE
  (CASE WHEN length(p.y) = 4 THEN p.y WHEN p.y::INTEGER >= 50 THEN '19' || p.y ELSE '20' || p.y END)
  || '/' || lpad(p.n, 7, '0') || p.c END;
-- The PNC check letter: (two-digit year followed by the 7-digit serial) mod 23, in an alphabet
-- without I, O and S. An id whose letter does not fit its digits has been mistyped.
CREATE OR REPLACE TEMP MACRO pnc_check_ok(p) AS
  p IS NOT NULL AND substr('ZABCDEFGHJKLMNPQRTUVWXY', 1 + ((substr(p, 3, 2) || substr(p, 6, 7))::BIGINT % 23)::INTEGER, 1) = right(p, 1);
-- Every string made from x by swapping two adjacent, different characters between positions
-- `first` and `last` (1-based): the slips "transposed digits" produces.
CREATE OR REPLACE TEMP MACRO adjacent_swaps(x, first, last) AS
  list_transform(
    list_filter(range(first, last), lambda i: substr(x, i, 1) <> substr(x, i + 1, 1)),
    lambda i: substr(x, 1, i - 1) || substr(x, i + 1, 1) || substr(x, i, 1) || substr(x, i + 2));
-- Whether a and b are exactly one edit apart (Damerau-Levenshtein distance 1); the cheap
-- Hamming distance settles most pairs of equal length first.
CREATE OR REPLACE TEMP MACRO one_edit_apart(a, b) AS
  CASE WHEN length(a) <> length(b) THEN damerau_levenshtein(a, b) = 1
       WHEN hamming(a, b) = 1 THEN true
       WHEN hamming(a, b) = 2 THEN damerau_levenshtein(a, b) = 1
       ELSE false END;
CREATE OR REPLACE TEMP MACRO prison_norm(x) AS nullif(regexp_replace(upper(coalesce(x, '')), '[^A-Z0-9]', '', 'g'), '');
-- Day and month swapped (only when that is a real, different date).
CREATE OR REPLACE TEMP MACRO dob_swapped(d) AS CASE WHEN day(d) <= 12 AND day(d) <> month(d) THEN make_date(year(d), day(d), month(d)) END;
CREATE OR REPLACE TEMP MACRO dob_digits(d) AS strftime(d, '%Y%m%d');

-- Names are normalised once per distinct spelling and joined back: a national register has
-- millions of people but only thousands of distinct names, and the regular expressions are
-- the costly part. `norm` is the words joined by one space; the keys below are per `norm`.
CREATE TABLE raw_names AS
SELECT raw, name_norm(raw) AS norm
FROM (SELECT surname AS raw FROM people_in UNION SELECT forename FROM people_in
      UNION SELECT surname FROM cohort_in UNION SELECT forename FROM cohort_in)
WHERE raw IS NOT NULL;

-- Per normalised name: the letters alone ("MARY ANN" and "MARY-ANN" are both MARYANN), its
-- parts (words of two letters or more), its first word and phonetic codes.
CREATE TABLE name_keys AS
WITH n AS (
  SELECT norm, replace(norm, ' ', '') AS compact,
         list_filter(string_split(norm, ' '), p -> length(p) >= 2) AS parts,
         split_part(norm, ' ', 1) AS first_part
  FROM (SELECT DISTINCT norm FROM raw_names WHERE norm <> '')
), c AS (
  SELECT *, string_split(sound_classes(compact), '') AS cls, string_split(sound_classes(first_part), '') AS cls_first FROM n
)
SELECT norm, compact, parts, first_part, phonetic_of(cls, compact) AS phon, phonetic_of(cls_first, first_part) AS phon_first FROM c;

-- Every spelling as written, with its keys: the one lookup both sides join.
CREATE TABLE raw_keys AS
SELECT r.raw, r.norm, coalesce(k.first_part, '') AS first_part, coalesce(k.phon, '') AS phon, coalesce(k.phon_first, '') AS phon_first
FROM raw_names r LEFT JOIN name_keys k ON k.norm = r.norm;

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

CREATE TABLE register AS
SELECT p.rid,
       coalesce(s.norm, '') AS sn,
       coalesce(f.norm, '') AS fn,
       coalesce(f.first_part, '') AS fn1,
       coalesce(s.phon, '') AS sn_ph,
       coalesce(f.phon_first, '') AS fn_ph,
       p.dob,
       dob_digits(p.dob) AS dd,
       gender_code(p.gender) AS gender,
       -- the register's PNC ids are usually in the long form already: only others are parsed
       CASE WHEN length(p.pnc_id) = 13 AND substr(p.pnc_id, 5, 1) = '/' THEN upper(p.pnc_id)
            ELSE pnc_from_parts(pnc_parts(p.pnc_id)) END AS pnc
FROM people_in p
LEFT JOIN raw_keys s ON s.raw = p.surname
LEFT JOIN raw_keys f ON f.raw = p.forename;

-- The sex a first forename almost always has in the register (95 % of at least 5 people): where a
-- cohort row gives no gender, a twin of the other sex (KRISTINA for KRISTIAN) is still told apart.
CREATE TABLE forename_sex AS
SELECT fn1, CASE WHEN count(*) FILTER (WHERE gender = 'M') >= 0.95 * count(*) THEN 'M'
                 WHEN count(*) FILTER (WHERE gender = 'F') >= 0.95 * count(*) THEN 'F' END AS sex
FROM register WHERE gender IS NOT NULL AND fn1 <> ''
GROUP BY fn1 HAVING count(*) >= 5;

CREATE TABLE register_prison_numbers AS
SELECT DISTINCT rid, prison_norm(prison_number) AS pn FROM prison_numbers_in WHERE prison_norm(prison_number) IS NOT NULL;

-- Forename variants (a public list of diminutives and spellings, name-variants.csv): each name
-- stands for itself and for every group it belongs to ("CHRIS" for CHRISTOPHER and CHRISTINE).
CREATE TABLE name_variants AS
SELECT DISTINCT name_norm(name) AS name, grp
FROM (SELECT unnest(string_split(names, ' ')) AS name, row_number() OVER () AS grp
      FROM read_csv($name_variants, header = true, columns = {'names': 'VARCHAR'}))
WHERE name_norm(name) <> '';

-- Term frequencies: the share of people with each surname and forename spelling, counted on
-- the register ($tf_source = 'register') or, for a two-file link, on both files together, so
-- that swapping which file is the cohort changes nothing.
CREATE TABLE tf_spellings AS
SELECT sn, fn, count(*) AS n FROM (
  SELECT sn, fn FROM register
  UNION ALL
  SELECT sn, fn FROM cohort WHERE $tf_source = 'both'
) GROUP BY ALL;
-- (grouped by spelling first: the letters-only form is then computed once per spelling)
CREATE TABLE tf_surname AS
SELECT replace(sn, ' ', '') AS compact, sum(n) / sum(sum(n)) OVER () AS tf
FROM (SELECT sn, sum(n) AS n FROM tf_spellings WHERE sn <> '' GROUP BY sn) GROUP BY 1;
CREATE TABLE tf_forename AS
SELECT replace(fn, ' ', '') AS compact, sum(n) / sum(sum(n)) OVER () AS tf
FROM (SELECT fn, sum(n) AS n FROM tf_spellings WHERE fn <> '' GROUP BY fn) GROUP BY 1;
