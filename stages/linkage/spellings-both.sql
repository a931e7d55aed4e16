-- A two-file link (`link`): the cohort's spellings count towards the term frequencies too.
INSERT INTO spellings SELECT sn, fn, count(*) AS n FROM cohort GROUP BY ALL;
