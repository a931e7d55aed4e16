-- A second national request for the bench's new-request scenario: another provider's $n
-- participants, drawn from the register the first request was linked to, so that with the
-- register built every request-level stage has new work. The generator (npm run synth) cannot do
-- this: its programmes change the register itself (participants' careers are replayed with the
-- effect), so a second programme would mean a second register. Here the register is only read.
-- The cohort looks like a provider's upload (the first request's columns and date style) with
-- the error kinds the linkage meets in the first: missing PNC ids, one-letter typos, day and month
-- swapped, people who are not in the register, duplicate rows. Every draw is a hash of a fixed
-- seed, the purpose and a row's id, so the file is the same on every run.
CREATE TEMP MACRO nr_u(purpose, id) AS (hash('bench-new-request-1-' || purpose, id) >> 11)::DOUBLE / 9007199254740992.0;

-- Participants: one eligible sentence each (release from custody, or the start of a community or
-- suspended sentence) in the analysis period, whose whole follow-up lies before the extract date,
-- aged 18 or over; $n people chosen by a hash of their register id.
CREATE TABLE nr_people AS
WITH eligible AS (
  SELECT d.disposal_id, d.register_id, d.disposal_type, d.disposal_date, d.release_date,
         CASE d.disposal_type WHEN 'custody' THEN d.release_date ELSE d.disposal_date END AS index_date
  FROM read_parquet($disposals) d
  WHERE d.disposal_type IN ('custody', 'community', 'suspended')
    AND (d.disposal_type <> 'custody' OR d.release_date IS NOT NULL)
), in_period AS (
  SELECT * FROM eligible
  WHERE index_date BETWEEN CAST($from AS DATE) AND CAST($to AS DATE)
    AND CAST(index_date + INTERVAL 1 YEAR + INTERVAL 6 MONTH AS DATE) <= CAST($extract AS DATE)
), one_each AS (
  SELECT * FROM in_period
  QUALIFY row_number() OVER (PARTITION BY register_id ORDER BY nr_u('sentence', disposal_id), disposal_id) = 1
)
SELECT e.*, p.surname, p.forename, p.dob, p.gender, p.pnc_id
FROM one_each e
JOIN read_parquet($people) p USING (register_id)
WHERE date_sub('year', p.dob, e.index_date) >= 18
ORDER BY nr_u('person', e.register_id), e.register_id
LIMIT $n::BIGINT;

CREATE TABLE nr_rows AS
WITH numbered AS (
  SELECT p.*, pr.prison_number,
    -- the provider's dates: work starts in the last months inside, or within two months of sentence
    CASE WHEN p.disposal_type = 'custody'
         THEN greatest(p.disposal_date, p.release_date - CAST(30 + floor(150 * nr_u('start', p.disposal_id)) AS INTEGER))
         ELSE p.disposal_date + CAST(floor(60 * nr_u('start', p.disposal_id)) AS INTEGER) END AS start_date
  FROM nr_people p
  ASOF LEFT JOIN (SELECT register_id, prison_number, first_used FROM read_parquet($prison_numbers)) pr
    ON pr.register_id = p.register_id AND pr.first_used <= p.disposal_date
), damaged AS (
  SELECT *,
    1 + CAST(floor(nr_u('typo-pos', disposal_id) * length(surname)) AS INTEGER) AS typo_at,
    nr_u('typo', disposal_id) < 0.05 AND length(surname) > 3 AS typo,
    day(dob) <= 12 AND day(dob) <> month(dob) AND nr_u('swap', disposal_id) < 0.03 AS swapped
  FROM numbered
)
SELECT disposal_id AS source_key,
  CASE WHEN typo THEN left(surname, typo_at - 1) || substr(surname, typo_at + 1) ELSE surname END AS surname,
  forename,
  CASE WHEN swapped THEN make_date(year(dob), day(dob), month(dob)) ELSE dob END AS dob,
  gender,
  CASE WHEN nr_u('pnc', disposal_id) < 0.3 THEN pnc_id END AS pnc_id,
  CASE WHEN disposal_type = 'custody' AND nr_u('prison', disposal_id) < 0.5 THEN prison_number END AS prison_number,
  CASE WHEN nr_u('index', disposal_id) < 0.25 THEN index_date END AS index_date,
  CASE WHEN nr_u('conviction', disposal_id) < 0.5 THEN disposal_date END AS conviction_date,
  start_date AS intervention_start_date,
  start_date + CAST(60 + floor(240 * nr_u('length', disposal_id)) AS INTEGER) AS intervention_end_date,
  CASE WHEN nr_u('type', disposal_id) < 0.85 THEN disposal_type END AS sentence_type
FROM damaged;

-- People the register does not hold: one participant's names with another's date of birth and
-- sex (3 %), which no register person has (checked).
CREATE TABLE nr_fakes AS
WITH a AS (
  SELECT surname, forename, intervention_start_date, intervention_end_date, sentence_type,
         row_number() OVER (ORDER BY nr_u('fake', source_key), source_key) AS k
  FROM nr_rows
), b AS (
  SELECT dob, gender, row_number() OVER (ORDER BY nr_u('fake-other', source_key), source_key) AS k FROM nr_rows
), pairs AS (
  SELECT * FROM a JOIN b USING (k)
)
SELECT -k AS source_key, surname, forename, dob, gender,
  CAST(NULL AS VARCHAR) AS pnc_id, CAST(NULL AS VARCHAR) AS prison_number, CAST(NULL AS DATE) AS index_date, CAST(NULL AS DATE) AS conviction_date,
  intervention_start_date, intervention_end_date, sentence_type
FROM pairs
WHERE NOT EXISTS (SELECT 1 FROM read_parquet($people) p WHERE p.surname = pairs.surname AND p.forename = pairs.forename AND p.dob = pairs.dob)
ORDER BY k
LIMIT CAST(round(0.03 * $n::BIGINT) AS BIGINT);

-- Every row, 2 % of them twice, in an order of their own; references unique per person.
CREATE TABLE nr_all AS
WITH originals AS (
  SELECT *, 0 AS copy FROM nr_rows UNION ALL SELECT *, 0 AS copy FROM nr_fakes
), copies AS (
  SELECT *, 1 AS copy FROM nr_rows ORDER BY nr_u('duplicate', source_key), source_key LIMIT CAST(round(0.02 * $n::BIGINT) AS BIGINT)
), everything AS (
  SELECT * FROM originals UNION ALL SELECT * FROM copies
)
SELECT e.*,
  'NEWP-' || CAST(10000 + dense_rank() OVER (ORDER BY nr_u('reference', e.source_key), e.source_key) AS VARCHAR) AS reference,
  row_number() OVER (ORDER BY nr_u('row', e.source_key * 2 + e.copy), e.source_key, e.copy) AS row
FROM everything e;

COPY (
  SELECT reference, surname, forename, strftime(dob, '%d/%m/%Y') AS dob, gender, pnc_id, prison_number,
    strftime(index_date, '%d/%m/%Y') AS index_date, strftime(conviction_date, '%d/%m/%Y') AS conviction_date,
    strftime(intervention_start_date, '%d/%m/%Y') AS intervention_start_date,
    strftime(intervention_end_date, '%d/%m/%Y') AS intervention_end_date,
    sentence_type, CAST(NULL AS VARCHAR) AS notes
  FROM nr_all ORDER BY row
) TO $cohort (FORMAT csv, HEADER true);
