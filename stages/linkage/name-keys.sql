-- Keys for spellings not keyed yet: the caller fills `new_spellings(raw)`; `raw_keys` (one row per
-- spelling as written) and `name_keys` (one row per normalised name) grow. Names are normalised
-- once per distinct spelling and joined back: a national register has millions of people but
-- only thousands of distinct names, and the regular expressions are the costly part. `norm` is
-- the words joined by one space.
CREATE OR REPLACE TABLE new_raw_names AS
SELECT raw, name_norm(raw) AS norm
FROM (SELECT DISTINCT raw FROM new_spellings WHERE raw IS NOT NULL) s
ANTI JOIN raw_keys k USING (raw);

-- Per normalised name: the letters alone ("MARY ANN" and "MARY-ANN" are both MARYANN), its
-- parts (words of two letters or more), its first word and phonetic codes.
INSERT INTO name_keys
WITH n AS (
  SELECT norm, replace(norm, ' ', '') AS compact,
         list_filter(string_split(norm, ' '), p -> length(p) >= 2) AS parts,
         split_part(norm, ' ', 1) AS first_part
  FROM (SELECT DISTINCT norm FROM new_raw_names WHERE norm <> '') s ANTI JOIN name_keys k USING (norm)
), c AS (
  SELECT *, string_split(sound_classes(compact), '') AS cls, string_split(sound_classes(first_part), '') AS cls_first FROM n
)
SELECT norm, compact, parts, first_part, phonetic_of(cls, compact) AS phon, phonetic_of(cls_first, first_part) AS phon_first FROM c;

-- Every spelling as written, with its keys: the one lookup both sides join.
INSERT INTO raw_keys
SELECT r.raw, r.norm, coalesce(k.first_part, '') AS first_part, coalesce(k.phon, '') AS phon, coalesce(k.phon_first, '') AS phon_first
FROM new_raw_names r LEFT JOIN name_keys k ON k.norm = r.norm;
