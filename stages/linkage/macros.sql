-- The functions both sides are keyed with (names, phonetic codes, PNC ids, dates), so that a
-- provider's spelling and the register's are compared like for like. Loaded first by the
-- linkage-model stage, the linkage stage and the `link` tool.

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
