-- Forename variants (a public list of diminutives and spellings, name-variants.csv): each name
-- stands for itself and for every group it belongs to ("CHRIS" for CHRISTOPHER and CHRISTINE).
CREATE TABLE name_variants AS
SELECT DISTINCT name_norm(name) AS name, grp
FROM (SELECT unnest(string_split(names, ' ')) AS name, row_number() OVER () AS grp
      FROM read_csv($name_variants, header = true, columns = {'names': 'VARCHAR'}))
WHERE name_norm(name) <> '';
