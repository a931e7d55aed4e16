-- Name lookup tables. Each name of rank r gets a share of 100,000 slots proportional to the Zipf
-- weight r^-s, so a uniform draw becomes a skewed name through one equi-join (fast at 5M rows).
-- Weights are integers so the cumulative sums are exact whatever the thread count.
CREATE OR REPLACE TABLE name_list AS
SELECT 'surname' AS list, generate_subscripts($surnames, 1) AS rank, unnest($surnames) AS name
UNION ALL
SELECT 'male', generate_subscripts($male, 1), unnest($male)
UNION ALL
SELECT 'female', generate_subscripts($female, 1), unnest($female);

CREATE OR REPLACE TABLE name_cumulative AS
WITH w AS (
  SELECT list, rank, name,
    CAST(round(1e9 * pow(rank, -CASE WHEN list = 'surname' THEN $surname_zipf ELSE $forename_zipf END)) AS BIGINT) AS w
  FROM name_list
), c AS (
  SELECT list, rank, name,
    sum(w) OVER (PARTITION BY list ORDER BY rank ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS cum,
    sum(w) OVER (PARTITION BY list) AS total
  FROM w
)
SELECT list, rank, name, CAST(cum * 100000 // total AS INTEGER) AS hi FROM c;

CREATE OR REPLACE TABLE name_slots AS
WITH b AS (
  SELECT list, name, hi, coalesce(lag(hi) OVER (PARTITION BY list ORDER BY rank), 0) AS lo FROM name_cumulative
)
SELECT b.list, s.slot::INTEGER AS slot, b.name
FROM b JOIN range(0, 100000) s(slot) ON s.slot >= b.lo AND s.slot < b.hi;

CREATE OR REPLACE TABLE surname_parts AS
SELECT 'head' AS part, generate_subscripts($heads, 1) - 1 AS idx, unnest($heads) AS text
UNION ALL
SELECT 'tail', generate_subscripts($tails, 1) - 1, unnest($tails);
