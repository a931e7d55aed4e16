-- One step of every active criminal career: the offence(s) that led to disposal number k, the
-- disposal itself (escalating with history), the index event it makes, what happened in the year
-- after it (work, benefits, reoffending) and when the next proven offence was committed.
-- A programme's effect is applied here, to the one-year reoffending probability of the index
-- events listed in `treated`, so the register holds the history *including* what it did.
--
-- All draws of a step come from one base hash h = hash(seed, person, step) via draw(h, j):
--  1 offence type   2 mode of trial   3 offences proven together   4 PND/caution   5 custody
--  6 community      7 order split     8 court    9 sentence length    10 time to proof
-- 11 work after     12 reoffend       13 gap     14 desist            15 long gap
-- 16-20 work and benefit spells      21-30 assessment
-- One statement: every intermediate table written costs more here than the arithmetic.

CREATE OR REPLACE TABLE step AS
WITH a AS (
  SELECT s.*,
    hash($seed::BIGINT, s.register_id, s.k) AS h,
    (s.o_date - s.dob) / 365.25 AS age_o
  FROM state s
), u AS (
  -- every draw once, as a column: macros used inside CASE branches would otherwise expand (and
  -- hash) again at each use, and the query would take longer to plan
  SELECT a.*,
    draw(h, 1) AS u1, draw(h, 2) AS u2, draw(h, 3) AS u3, draw(h, 4) AS u4, draw(h, 5) AS u5,
    draw(h, 6) AS u6, draw(h, 7) AS u7, draw(h, 8) AS u8, draw(h, 9) AS u9, draw(h, 10) AS u10,
    draw(h, 11) AS u11, draw(h, 12) AS u12, draw(h, 13) AS u13, draw(h, 14) AS u14, draw(h, 15) AS u15,
    draw(h, 16) AS u16, draw(h, 17) AS u17, draw(h, 18) AS u18, draw(h, 19) AS u19, draw(h, 20) AS u20
  FROM a
), b AS (
  SELECT u.*,
    offence_type(u1) AS main_type,
    -- offences proven together: 60 % one, then geometric
    1 + least(9, days(ln(1.0 - u3) / ln(0.4))) AS n_off
  FROM u
), c AS (
  SELECT b.*, mode_of_trial(main_type, u2) AS main_mode FROM b
), d AS (
  SELECT c.*,
    CASE WHEN main_type IN ('public_order', 'theft', 'criminal_damage') AND main_mode <> 'indictable'
              AND age_o >= 18 AND prev_disp < 4 THEN 0.18 ELSE 0.0 END AS p_pnd,
    least(0.9, CASE WHEN main_mode = 'indictable' THEN 0.02 WHEN prev_disp = 0 THEN 0.55
                    WHEN prev_disp < 3 THEN 0.2 ELSE 0.04 END * CASE WHEN age_o < 18 THEN 1.4 ELSE 1.0 END) AS p_caution,
    -- escalation: custody gets likelier with seriousness, previous disposals and previous custody
    logistic(-3.6 + 2.0 * (main_mode = 'indictable')::INTEGER + 0.7 * (main_mode = 'either_way')::INTEGER
             + 0.12 * least(prev_disp, 15) + 0.45 * least(prev_cust, 5) + 0.4 * risk
             - 1.0 * (age_o < 18)::INTEGER - 0.4 * (gender = 'F')::INTEGER) AS p_custody,
    logistic(-0.3 + 0.12 * least(prev_disp, 15) + 0.5 * (main_mode <> 'summary')::INTEGER + 0.3 * risk) AS p_community,
    u4 AS u_d,
    u7 AS u_x
  FROM c
), e AS (
  SELECT
    register_id, k, dob, gender, risk, employability, o_date, prev_off, prev_off_rec, prev_disp, prev_cust, emp_start, emp_end,
    h, n_off, main_type, main_mode, u8, u9, u10, u11, u12, u13, u14, u15, u16, u17, u18, u19, u20,
    CASE WHEN u_d < p_pnd THEN 'pnd'
         WHEN u_d < p_pnd + (1.0 - p_pnd) * p_caution THEN 'caution'
         WHEN u5 < p_custody THEN 'custody'
         WHEN u6 < p_community THEN CASE WHEN u_x < 0.35 THEN 'suspended' ELSE 'community' END
         ELSE CASE WHEN u_x < 0.7 THEN 'fine' ELSE 'discharge' END END AS disposal_type
  FROM d
), f AS (
  SELECT e.*,
    CASE WHEN disposal_type IN ('caution', 'pnd') THEN NULL
         WHEN main_mode = 'indictable' OR (disposal_type = 'custody' AND u8 < 0.45)
              OR (main_mode = 'either_way' AND u8 < 0.12) THEN 'crown'
         ELSE 'magistrates' END AS court,
    u9 AS u_months,
    u10 AS u_lag
  FROM e
), decided AS (
SELECT
  register_id, k, dob, gender, risk, employability, o_date, prev_off, prev_off_rec, prev_disp, prev_cust, emp_start, emp_end,
  h, n_off, main_type, main_mode, disposal_type, court, u11, u12, u13, u14, u15, u16, u17, u18, u19, u20,
  CASE disposal_type
    WHEN 'custody' THEN round(CASE WHEN court = 'crown' THEN 6.0 + 114.0 * pow(u_months, 2.5)
                                   ELSE 1.0 + 5.0 * pow(u_months, 1.2) END, 1)
    WHEN 'suspended' THEN 6.0 + 6.0 * floor(4.0 * u_months)
    WHEN 'community' THEN 6.0 + 6.0 * floor(5.0 * u_months)
  END AS sentence_months,
  -- from offence to proof: days for a PND, weeks for a caution, months in court
  o_date + CASE WHEN disposal_type = 'pnd' THEN days(3.0 * u_lag)
                WHEN disposal_type = 'caution' THEN 3 + days(60.0 * pow(u_lag, 2))
                WHEN court = 'crown' THEN 60 + days(420.0 * pow(u_lag, 1.5))
                ELSE 14 + days(200.0 * pow(u_lag, 2)) END AS disposal_date
FROM f
), g AS (
  SELECT d.*,
    -- the date from which offending can resume: release (half the sentence served) for custody
    CASE WHEN disposal_type = 'custody'
         THEN disposal_date + greatest(1, days(sentence_months * 30.4375 * 0.5))
         ELSE disposal_date END AS clock_date
  FROM decided d
), i AS (
  SELECT g.*,
    (clock_date - dob) / 365.25 AS age_i,
    CAST(greatest(0, coalesce(least(emp_end, clock_date) - greatest(emp_start, clock_date - 365), 0)) AS INTEGER) AS emp_days_1y
  FROM g
), j AS (
  SELECT i.*,
    t.programme,
    coalesce(t.effect_pp, 0.0) AS effect_pp,
    u11 < i.employability
      * CASE WHEN i.emp_days_1y > 0 THEN 1.0 ELSE 0.55 END
      * CASE WHEN i.disposal_type = 'custody' THEN 0.7 ELSE 1.0 END
      * CASE WHEN i.age_i >= 65 THEN 0.2 ELSE 1.0 END AS emp_post
  FROM i
  LEFT JOIN treated t ON t.register_id = i.register_id AND t.k = i.k
), m AS (
  SELECT j.*,
    -- one-year reoffending: propensity, history, youth, custody, work
    logistic(-1.5 + 0.8 * risk + 0.3 * ln(1 + prev_off) - 0.07 * (age_i - 25)
             + 0.3 * (disposal_type = 'custody')::INTEGER - 0.7 * emp_post::INTEGER
             - 0.3 * (disposal_type = 'caution')::INTEGER - 0.25 * (emp_days_1y > 0)::INTEGER) AS p_reoff,
    u12 AS u_reoff
  FROM j
), n AS (
  SELECT m.*,
    CASE WHEN u_reoff < least(1.0, greatest(0.0, p_reoff + effect_pp / 100.0))
           THEN clock_date + 1 + days(364.0 * pow(u13, 1.3))
         WHEN u14 < least(0.95, greatest(0.05, 0.4 + 0.015 * (age_i - 25) - 0.15 * risk)) THEN NULL
         ELSE clock_date + 366 + days(-1100.0 * ln(1.0 - u15)) END AS next_o,
    clock_date + 7 + days(120.0 * u16) AS e_start,
    30 + days(-900.0 * ln(1.0 - u17)) AS e_len,
    clock_date + days(30.0 * u18) AS b_start,
    60 + days(-500.0 * ln(1.0 - u19)) AS b_len
  FROM m
), o AS (
  SELECT n.*,
    least(coalesce(next_o, e_start + e_len), e_start + e_len) AS e_end,
    least(coalesce(next_o, b_start + b_len), b_start + b_len) AS b_end
  FROM n
)
SELECT
  register_id, k, dob, gender, risk, employability, o_date, prev_off, prev_off_rec, prev_disp, prev_cust, emp_start, emp_end,
  h, n_off, CAST(main_type AS offence_kind) AS main_type, CAST(main_mode AS trial_mode) AS main_mode,
  CAST(disposal_type AS disposal_kind) AS disposal_type, CAST(court AS court_kind) AS court,
  sentence_months, disposal_date, age_i, emp_days_1y, programme, effect_pp, p_reoff, u_reoff, next_o,
  register_id * 1000 + k AS disposal_id,
  CASE WHEN disposal_type = 'custody' AND clock_date <= $extract::DATE THEN clock_date END AS release_date,
  CASE WHEN disposal_type = 'custody' THEN CASE WHEN clock_date <= $extract::DATE THEN clock_date END
       WHEN disposal_type IN ('community', 'suspended', 'caution') THEN disposal_date END AS index_date,
  -- work after the index event, ended by the next offence or earlier; else often benefits
  emp_post AND clock_date <= $extract::DATE AND e_start < e_end AND e_start <= $extract::DATE AS has_emp,
  e_start, e_end,
  NOT emp_post AND age_i >= 18 AND age_i < 66 AND u20 < 0.6 AND clock_date <= $extract::DATE
    AND b_start < b_end AND b_start <= $extract::DATE AS has_ben,
  b_start, b_end,
  -- the career goes on to another disposal within the extract
  disposal_date <= $extract::DATE AND next_o <= $extract::DATE AS continues
FROM o;

INSERT INTO dis_gen
SELECT disposal_id, register_id, k, o_date, disposal_date, disposal_type, sentence_months, release_date, court,
  n_off, main_type, main_mode
FROM step
WHERE disposal_date <= $extract::DATE;

INSERT INTO ev_gen
SELECT disposal_id, register_id, k, disposal_type, disposal_date, index_date, age_i, prev_off, emp_days_1y,
  p_reoff, u_reoff, programme, effect_pp, o_date, prev_off_rec, prev_disp, prev_cust, emp_start, emp_end
FROM step
WHERE index_date BETWEEN $window_from::DATE AND $window_to::DATE;

INSERT INTO spells_gen
SELECT register_id, k, 'employment', e_start, CASE WHEN e_end <= $extract::DATE THEN e_end END
FROM step WHERE has_emp AND disposal_date <= $extract::DATE
UNION ALL
SELECT register_id, k, 'benefit', b_start, CASE WHEN b_end <= $extract::DATE THEN b_end END
FROM step WHERE has_ben AND disposal_date <= $extract::DATE;

-- Offender assessments (OASys-like) for about 60 % of court orders, before sentence.
-- A need scores 0-2; higher risk shifts every need up.
INSERT INTO assess_gen
WITH drawn AS (
  SELECT register_id, k, disposal_date, prev_off, age_i, risk, emp_days_1y, main_type,
    draw(h, 22) AS u22, draw(h, 23) AS u23, draw(h, 24) AS u24, draw(h, 25) AS u25, draw(h, 26) AS u26,
    draw(h, 27) AS u27, draw(h, 28) AS u28, draw(h, 29) AS u29, draw(h, 30) AS u30
  FROM step
  WHERE disposal_type IN ('custody', 'community', 'suspended') AND disposal_date <= $extract::DATE AND draw(h, 21) < 0.6
), need AS (
  SELECT register_id, k, u30, disposal_date, prev_off, age_i,
    CAST(CASE WHEN u22 < logistic(risk - 1.5) THEN 2 WHEN u22 < logistic(risk) THEN 1 ELSE 0 END AS INTEGER) AS need_accommodation,
    CAST(CASE WHEN u23 < logistic(risk - 1.5 + (emp_days_1y = 0)::INTEGER) THEN 2
              WHEN u23 < logistic(risk + (emp_days_1y = 0)::INTEGER) THEN 1 ELSE 0 END AS INTEGER) AS need_employment,
    CAST(CASE WHEN u24 < logistic(risk - 1.8) THEN 2 WHEN u24 < logistic(risk - 0.3) THEN 1 ELSE 0 END AS INTEGER) AS need_relationships,
    CAST(CASE WHEN u25 < logistic(risk - 1.0) THEN 2 WHEN u25 < logistic(risk + 0.5) THEN 1 ELSE 0 END AS INTEGER) AS need_lifestyle,
    CAST(CASE WHEN u26 < logistic(risk - 1.5 + 1.5 * (main_type = 'drugs')::INTEGER) THEN 2
              WHEN u26 < logistic(risk - 0.5 + 1.5 * (main_type = 'drugs')::INTEGER) THEN 1 ELSE 0 END AS INTEGER) AS need_drugs,
    CAST(CASE WHEN u27 < logistic(risk - 2.0 + (main_type = 'violence')::INTEGER) THEN 2
              WHEN u27 < logistic(risk - 0.8) THEN 1 ELSE 0 END AS INTEGER) AS need_alcohol,
    CAST(CASE WHEN u28 < logistic(risk - 1.0) THEN 2 WHEN u28 < logistic(risk + 0.8) THEN 1 ELSE 0 END AS INTEGER) AS need_thinking,
    CAST(CASE WHEN u29 < logistic(risk - 1.8) THEN 2 WHEN u29 < logistic(risk - 0.2) THEN 1 ELSE 0 END AS INTEGER) AS need_attitudes
  FROM drawn
)
SELECT register_id, k,
  disposal_date - days(28.0 * u30) AS assessment_date,
  -- a predictor score from history, age and needs, not from the latent propensity itself
  round(100.0 * logistic(-1.1 + 0.45 * ln(1 + prev_off) - 0.05 * (age_i - 25)
        + 0.25 * (need_lifestyle + need_thinking + need_drugs)), 1) AS ogrs,
  need_accommodation, need_employment, need_relationships, need_lifestyle,
  need_drugs, need_alcohol, need_thinking, need_attitudes
FROM need;
