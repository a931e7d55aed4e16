-- Start of every criminal career: the date of the first proven offence (earlier for higher risk)
-- and the work or benefit spell that preceded it.
-- Draws come from hash(seed, person, 0) with indices above the ones people.sql uses (1-16; it
-- also uses 101-105).
CREATE OR REPLACE TABLE career_start AS
WITH p AS (
  SELECT p.*, hash($seed::BIGINT, p.register_id, 0) AS h
  FROM people_gen p
), c AS (
  SELECT register_id, dob, gender, risk, employability, h,
    dob + days(365.25 * (10.0 + 60.0 * pow(draw(h, 21), 1.8) * exp(-0.4 * risk))) AS o_date
  FROM p
)
SELECT register_id, dob, gender, risk, employability, o_date,
  CASE WHEN draw(h, 22) < employability * 0.8 THEN 'employment'
       WHEN draw(h, 23) < 0.5 THEN 'benefit' END AS spell_type,
  greatest(dob + days(365.25 * 16), least(o_date, $extract::DATE) - days(60 + 1500 * draw(h, 24))) AS s_start,
  -- the spell ends with the first arrest; people who never offend keep it open
  CASE WHEN o_date <= $extract::DATE THEN o_date END AS s_end
FROM c;

INSERT INTO spells_gen
SELECT register_id, 0, spell_type, s_start, s_end
FROM career_start
WHERE spell_type IS NOT NULL AND s_start < coalesce(s_end, $extract::DATE);

CREATE OR REPLACE TABLE state_init AS
SELECT
  register_id, 1 AS k, dob, gender, risk, employability, o_date,
  0 AS prev_off, 0 AS prev_off_rec, 0 AS prev_disp, 0 AS prev_cust,
  CASE WHEN spell_type = 'employment' AND s_start < s_end THEN s_start END AS emp_start,
  CASE WHEN spell_type = 'employment' AND s_start < s_end THEN s_end END AS emp_end
FROM career_start
WHERE o_date <= $extract::DATE;

DROP TABLE career_start;

CREATE OR REPLACE TEMP VIEW state AS SELECT * FROM state_init;
