-- People of the national register, register_id 1..N. `people_gen` holds what careers need: sex,
-- date of birth, a latent offending propensity (risk) and employability. risk and employability
-- are never written out: they drive careers the way unmeasured traits do in real life.
-- Names and other demographics are not stored: the view `people_named` derives them from the
-- same per-person hash whenever they are needed (writing the register, building a request), which
-- keeps 5,000,000 people small in memory.
CREATE OR REPLACE TABLE people_gen AS
WITH hashed AS (
  SELECT i AS register_id, hash($seed::BIGINT, i, 0) AS h FROM range(1, $people::BIGINT + 1) t(i)
), base AS (
  SELECT register_id, h,
    CASE WHEN draw(h, 1) < 0.80 THEN 'M' ELSE 'F' END AS gender,
    -- age on the extract date from 10 to 90, skewed young like the offender population
    $extract::DATE - CAST(ceil(365.25 * (10.0 + 80.0 * pow(draw(h, 2), 1.7))) AS INTEGER) AS dob,
    -- latent traits, roughly standard normal (Irwin-Hall of three uniforms)
    2.0 * (draw(h, 3) + draw(h, 4) + draw(h, 5) - 1.5) AS risk,
    2.0 * (draw(h, 6) + draw(h, 7) + draw(h, 8) - 1.5) AS employ_trait
  FROM hashed
)
SELECT register_id, h, gender, dob,
  -- men offend more: shift the latent propensity rather than every later probability
  risk + CASE WHEN gender = 'M' THEN 0.25 ELSE -0.25 END AS risk,
  logistic(0.3 - 0.7 * risk + 0.9 * employ_trait) AS employability
FROM base;

-- Names come from slot tables keyed by one integer (list number * 100000 + slot), so each is one
-- cheap equi-join with the small table on the build side.
CREATE OR REPLACE TABLE name_lookup AS
SELECT CASE list WHEN 'surname' THEN 0 WHEN 'male' THEN 1 ELSE 2 END * 100000 + slot AS slot_key, name
FROM name_slots
UNION ALL
SELECT 300000 + h.idx * 100 + t.idx, h.text || t.text
FROM surname_parts h, surname_parts t
WHERE h.part = 'head' AND t.part = 'tail';

CREATE OR REPLACE TEMP VIEW people_named AS
WITH d AS (
  SELECT register_id, gender, dob, draw(h, 9) AS u_eth, draw(h, 10) AS u_nat, draw(h, 11) AS u_reg,
    -- two in five surnames are rare place-style compounds, the rest from the common list
    CASE WHEN draw(h, 12) < 0.4
         THEN 300000 + days(40 * pow(draw(h, 15), 1.4)) * 100 + days(20 * pow(draw(h, 16), 1.4))
         ELSE days(100000 * draw(h, 13)) END AS surname_key,
    CASE WHEN gender = 'M' THEN 100000 ELSE 200000 END + days(100000 * draw(h, 14)) AS forename_key
  FROM people_gen
)
SELECT
  d.register_id,
  f.name AS forename,
  s.name AS surname,
  d.dob,
  d.gender,
  CASE WHEN u_eth < 0.72 THEN 'White' WHEN u_eth < 0.80 THEN 'Black' WHEN u_eth < 0.88 THEN 'Asian'
       WHEN u_eth < 0.93 THEN 'Mixed' WHEN u_eth < 0.96 THEN 'Other' ELSE 'Unknown' END AS ethnicity,
  CASE WHEN u_nat < 0.86 THEN 'UK' WHEN u_nat < 0.96 THEN 'Non-UK' ELSE 'Unknown' END AS nationality,
  CASE WHEN u_reg < 0.05 THEN 'North East' WHEN u_reg < 0.18 THEN 'North West'
       WHEN u_reg < 0.28 THEN 'Yorkshire and the Humber' WHEN u_reg < 0.36 THEN 'East Midlands'
       WHEN u_reg < 0.46 THEN 'West Midlands' WHEN u_reg < 0.55 THEN 'East of England'
       WHEN u_reg < 0.71 THEN 'London' WHEN u_reg < 0.84 THEN 'South East'
       WHEN u_reg < 0.92 THEN 'South West' WHEN u_reg < 0.98 THEN 'Wales' ELSE 'Unknown' END AS region
FROM d
JOIN name_lookup s ON s.slot_key = d.surname_key
JOIN name_lookup f ON f.slot_key = d.forename_key;
