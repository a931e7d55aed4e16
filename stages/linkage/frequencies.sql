-- Term frequencies: the share of people with each surname and forename spelling, from the
-- spelling counts in `spellings` (the register's, from register-keys.sql; for a two-file link,
-- the cohort's are added by spellings-both.sql, so that swapping which file is the cohort
-- changes nothing). Grouped by spelling first: the letters-only form is computed once each.
CREATE OR REPLACE TABLE tf_surname AS
SELECT replace(sn, ' ', '') AS compact, sum(n) / sum(sum(n)) OVER () AS tf
FROM (SELECT sn, sum(n) AS n FROM spellings WHERE sn <> '' GROUP BY sn) GROUP BY 1;
CREATE OR REPLACE TABLE tf_forename AS
SELECT replace(fn, ' ', '') AS compact, sum(n) / sum(sum(n)) OVER () AS tf
FROM (SELECT fn, sum(n) AS n FROM spellings WHERE fn <> '' GROUP BY fn) GROUP BY 1;
