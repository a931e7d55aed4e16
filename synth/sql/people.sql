-- People of the national register, register_id 1..N. `people_gen` holds what careers need: sex,
-- date of birth, a latent offending propensity (risk) and employability. risk and employability
-- are never written out: they drive careers the way unmeasured traits do in real life.
-- Names and other demographics are not stored: the view `people_named` derives them from the
-- same per-person hash whenever they are needed (writing the register, building a request), which
-- keeps 5,000,000 people small in memory.
-- Some people share more than chance gives: about 1 in 100 is a twin of the person before
-- (same surname and date of birth, own forename and sex), about 1 in 300 has the very name, sex
-- and date of birth of the person two before (namesakes, which linkage must not confuse). `hs` and
-- `hf` are the hashes their surname and forename are drawn from.
CREATE OR REPLACE TABLE people_gen AS
WITH hashed AS (
  SELECT register_id, h, kin,
    CASE WHEN kin = 'twin' THEN hash($seed::BIGINT, register_id - 1, 0) WHEN kin = 'namesake' THEN hash($seed::BIGINT, register_id - 2, 0) ELSE h END AS hs,
    CASE WHEN kin = 'namesake' THEN hash($seed::BIGINT, register_id - 2, 0) ELSE h END AS hf
  FROM (
    SELECT i AS register_id, hash($seed::BIGINT, i, 0) AS h,
      CASE WHEN i > 1 AND draw(hash($seed::BIGINT, i, 0), 101) < 0.01 THEN 'twin'
           WHEN i > 2 AND draw(hash($seed::BIGINT, i, 0), 101) < 0.0133 THEN 'namesake' END AS kin
    FROM range(1, $people::BIGINT + 1) t(i)
  )
), base AS (
  SELECT register_id, h, hs, hf,
    CASE WHEN draw(hf, 1) < 0.80 THEN 'M' ELSE 'F' END AS gender,
    -- age on the extract date from 10 to 90, skewed young like the offender population
    $extract::DATE - CAST(ceil(365.25 * (10.0 + 80.0 * pow(draw(hs, 2), 1.7))) AS INTEGER) AS dob,
    -- latent traits, roughly standard normal (Irwin-Hall of three uniforms)
    2.0 * (draw(h, 3) + draw(h, 4) + draw(h, 5) - 1.5) AS risk,
    2.0 * (draw(h, 6) + draw(h, 7) + draw(h, 8) - 1.5) AS employ_trait
  FROM hashed
)
SELECT register_id, h, hs, hf, gender, dob,
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

-- Names: about one person in four has a middle name (written after the forename, as registers
-- do), about 3 in 100 a hyphenated surname and 1 in 100 a double-barrelled one written with a
-- space (both parts from the surname list).
CREATE OR REPLACE TEMP VIEW people_named AS
WITH d AS (
  SELECT register_id, gender, dob, draw(h, 9) AS u_eth, draw(h, 10) AS u_nat, draw(h, 11) AS u_reg,
    -- two in five surnames are rare place-style compounds, the rest from the common list
    CASE WHEN draw(hs, 12) < 0.4
         THEN 300000 + days(40 * pow(draw(hs, 15), 1.4)) * 100 + days(20 * pow(draw(hs, 16), 1.4))
         ELSE days(100000 * draw(hs, 13)) END AS surname_key,
    CASE WHEN gender = 'M' THEN 100000 ELSE 200000 END + days(100000 * draw(hf, 14)) AS forename_key,
    CASE WHEN draw(hf, 102) < 0.25 THEN CASE WHEN gender = 'M' THEN 100000 ELSE 200000 END + days(100000 * draw(hf, 103)) END AS middle_key,
    CASE WHEN draw(hs, 104) < 0.04 THEN days(100000 * draw(hs, 105)) END AS second_surname_key,
    CASE WHEN draw(hs, 104) < 0.03 THEN '-' ELSE ' ' END AS surname_joint
  FROM people_gen
)
SELECT
  d.register_id,
  CASE WHEN m.name IS NULL OR m.name = f.name THEN f.name ELSE f.name || ' ' || m.name END AS forename,
  CASE WHEN s2.name IS NULL OR s2.name = s.name THEN s.name ELSE s.name || d.surname_joint || s2.name END AS surname,
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
JOIN name_lookup f ON f.slot_key = d.forename_key
LEFT JOIN name_lookup m ON m.slot_key = d.middle_key
LEFT JOIN name_lookup s2 ON s2.slot_key = d.second_surname_key;
