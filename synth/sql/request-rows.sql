-- The upload cohort of programme $programme as its provider would send it, plus the truth about
-- every row. Built from the participants' true records, then damaged on purpose at the configured
-- rates. Each draw is keyed by (seed, disposal, programme, purpose), so rates can be changed one at
-- a time without reshuffling the other errors.
CREATE OR REPLACE TABLE req_people AS
SELECT
  d.disposal_id, d.register_id, CAST(d.disposal_type AS VARCHAR) AS disposal_type, d.disposal_date,
  e.index_date, d.release_date, p.forename, p.surname, p.dob, p.gender, n.pnc_id, pr.prison_number
FROM treated t
JOIN dis_gen d ON d.register_id = t.register_id AND d.k = t.k
JOIN ev_gen e ON e.disposal_id = d.disposal_id
JOIN people_named p ON p.register_id = t.register_id
LEFT JOIN pnc_gen n ON n.register_id = t.register_id
-- the prison number in use at the time of the sentence
ASOF LEFT JOIN prison_gen pr ON pr.register_id = d.register_id AND pr.first_used <= d.disposal_date
WHERE t.programme = $programme;

CREATE OR REPLACE TABLE req_nicknames AS
SELECT formal, list(nickname ORDER BY nickname) AS nicknames
FROM (SELECT unnest($nick_formal::VARCHAR[]) AS formal, unnest($nick_nickname::VARCHAR[]) AS nickname)
GROUP BY formal;

CREATE OR REPLACE TABLE req_true AS
WITH draws AS (
  SELECT r.*, nk.nicknames,
    u01($seed::BIGINT, r.disposal_id, 0, 'nickname-' || $programme) AS u_nick,
    u01($seed::BIGINT, r.disposal_id, 0, 'nickname-which-' || $programme) AS u_nick_which,
    u01($seed::BIGINT, r.disposal_id, 0, 'typo-' || $programme) AS u_typo,
    u01($seed::BIGINT, r.disposal_id, 0, 'typo-field-' || $programme) AS u_typo_field,
    u01($seed::BIGINT, r.disposal_id, 0, 'typo-pos-' || $programme) AS u_typo_pos,
    u01($seed::BIGINT, r.disposal_id, 0, 'typo-op-' || $programme) AS u_typo_op,
    u01($seed::BIGINT, r.disposal_id, 0, 'typo-letter-' || $programme) AS u_typo_letter,
    u01($seed::BIGINT, r.disposal_id, 0, 'swap-' || $programme) AS u_swap,
    u01($seed::BIGINT, r.disposal_id, 0, 'missing-pnc-' || $programme) AS u_missing,
    u01($seed::BIGINT, r.disposal_id, 0, 'transpose-' || $programme) AS u_transpose,
    u01($seed::BIGINT, r.disposal_id, 0, 'transpose-which-' || $programme) AS u_transpose_which,
    u01($seed::BIGINT, r.disposal_id, 0, 'wrong-date-' || $programme) AS u_wrong,
    u01($seed::BIGINT, r.disposal_id, 0, 'wrong-date-shift-' || $programme) AS u_shift,
    u01($seed::BIGINT, r.disposal_id, 0, 'start-' || $programme) AS u_start,
    u01($seed::BIGINT, r.disposal_id, 0, 'length-' || $programme) AS u_length,
    u01($seed::BIGINT, r.disposal_id, 0, 'prison-number-given-' || $programme) AS u_prison,
    u01($seed::BIGINT, r.disposal_id, 0, 'fields-' || $programme) AS u_fields,
    u01($seed::BIGINT, r.disposal_id, 0, 'fields2-' || $programme) AS u_fields2,
    u01($seed::BIGINT, r.disposal_id, 0, 'style-' || $programme) AS u_style,
    u01($seed::BIGINT, r.disposal_id, 0, 'name-order-' || $programme) AS u_name_order,
    u01($seed::BIGINT, r.disposal_id, 0, 'middle-name-' || $programme) AS u_middle,
    u01($seed::BIGINT, r.disposal_id, 0, 'surname-part-' || $programme) AS u_part,
    u01($seed::BIGINT, r.disposal_id, 0, 'missing-dob-' || $programme) AS u_missing_dob,
    u01($seed::BIGINT, r.disposal_id, 0, 'conviction-off-' || $programme) AS u_conviction_off
  FROM req_people r
  -- a nickname stands for the first forename (the register may also hold a middle name)
  LEFT JOIN req_nicknames nk ON nk.formal = split_part(r.forename, ' ', 1)
), dated AS (
  SELECT *,
    -- custody: work starts in the last months inside and carries on after release;
    -- community: starts within two months of sentence
    CASE WHEN disposal_type = 'custody'
         THEN greatest(disposal_date, release_date - days(30 + 150 * u_start))
         ELSE disposal_date + days(60 * u_start) END AS true_start
  FROM draws
)
SELECT *,
  CASE WHEN disposal_type = 'custody' THEN release_date + days(30 + 240 * u_length)
       ELSE true_start + days(60 + 240 * u_length) END AS true_end,
  nicknames IS NOT NULL AND u_nick < $rate_nickname AS e_nickname,
  u_typo < $rate_typo AS e_typo,
  day(dob) <= 12 AND day(dob) <> month(dob) AND u_swap < $rate_swapped AS e_swapped,
  pnc_id IS NOT NULL AND u_missing < $rate_missing_pnc AS e_missing_pnc,
  u_wrong < $rate_wrong_date AS e_wrong_date,
  u_name_order < $rate_name_order AS e_name_order,
  u_missing_dob < $rate_missing_dob AS e_missing_dob,
  -- a provider's copy of the conviction date is sometimes a few days out (the hearing, not the sentence)
  u_conviction_off < 0.1 AS e_conviction_off,
  -- a register forename with a middle name: sent in full (half), the first name only (three in
  -- ten), or the middle name alone, the one the person goes by (one in five)
  CASE WHEN forename NOT LIKE '% %' OR u_middle < 0.5 THEN 'full' WHEN u_middle < 0.8 THEN 'first' ELSE 'middle' END AS middle_style,
  -- a multi-part surname: sent whole (half), its first part (one in four), its last part (one in
  -- seven), or joined the other way (hyphen for space, space for hyphen)
  CASE WHEN NOT regexp_matches(surname, '[ -]') OR u_part < 0.5 THEN 'whole' WHEN u_part < 0.75 THEN 'first'
       WHEN u_part < 0.89 THEN 'last' ELSE 'rejoined' END AS surname_style
FROM dated;

CREATE OR REPLACE TABLE req_rows AS
WITH parted AS (
  SELECT *,
    CASE middle_style WHEN 'first' THEN split_part(forename, ' ', 1) WHEN 'middle' THEN split_part(forename, ' ', 2) ELSE forename END AS forename_given,
    CASE surname_style WHEN 'first' THEN regexp_extract(surname, '^[^ -]+') WHEN 'last' THEN regexp_extract(surname, '[^ -]+$')
         WHEN 'rejoined' THEN translate(surname, ' -', '- ') ELSE surname END AS surname_given
  FROM req_true
), named AS (
  SELECT *,
    CASE WHEN e_nickname AND middle_style <> 'middle' THEN nicknames[1 + CAST(floor(u_nick_which * len(nicknames)) AS INTEGER)] ELSE forename_given END AS forename_sent0
  FROM parted
), typed AS (
  SELECT *,
    e_typo AND u_typo_field < 0.6 AS typo_in_surname,
    CASE WHEN e_typo AND u_typo_field >= 0.6
         THEN typo_in(forename_sent0, 1 + CAST(floor(u_typo_pos * length(forename_sent0)) AS INTEGER), u_typo_op, u_typo_letter)
         ELSE forename_sent0 END AS forename_sent,
    CASE WHEN e_typo AND u_typo_field < 0.6
         THEN typo_in(surname_given, 1 + CAST(floor(u_typo_pos * length(surname_given)) AS INTEGER), u_typo_op, u_typo_letter)
         ELSE surname_given END AS surname_sent,
    CASE WHEN e_missing_pnc OR pnc_id IS NULL THEN NULL
         WHEN u_transpose < $rate_transposed THEN transpose_pnc(pnc_id, u_transpose_which)
         ELSE pnc_id END AS pnc_sent,
    -- the wrong year: whole years back, enough of them to leave the sentence the work belongs to
    -365 * (1 + CAST((true_start - disposal_date) // 365 AS INTEGER) + CAST(floor(u_shift * 2) AS INTEGER)) AS shift_days
  FROM named
)
SELECT
  disposal_id AS source_key,
  register_id, disposal_id,
  u_fields < 0.85 AS has_reference,
  -- names in the wrong order: the surname in the forename column and the other way round
  CASE WHEN e_name_order THEN forename_sent WHEN u_style < 0.15 THEN upper(surname_sent) ELSE surname_sent END AS surname,
  CASE WHEN e_name_order THEN surname_sent ELSE forename_sent END AS forename,
  CASE WHEN e_missing_dob THEN NULL WHEN e_swapped THEN make_date(year(dob), day(dob), month(dob)) ELSE dob END AS dob,
  CASE WHEN u_fields2 < 0.1 THEN CASE gender WHEN 'M' THEN 'Male' ELSE 'Female' END ELSE gender END AS gender,
  pnc_sent AS pnc_id,
  CASE WHEN disposal_type = 'custody' AND u_prison < 0.5 THEN prison_number END AS prison_number,
  CASE WHEN u_fields2 < 0.25 THEN index_date END AS index_date,
  CASE WHEN u_fields < 0.5 THEN disposal_date + CASE WHEN e_conviction_off THEN days(1 + 20 * u_conviction_off * 10) ELSE 0 END END AS conviction_date,
  CASE WHEN e_wrong_date THEN true_start + shift_days ELSE true_start END AS intervention_start_date,
  CASE WHEN e_wrong_date THEN true_end + shift_days ELSE true_end END AS intervention_end_date,
  CASE WHEN u_fields2 < 0.85 THEN disposal_type END AS sentence_type,
  CASE WHEN u_start > 0.95 THEN 'left the programme early' WHEN u_start < 0.03 THEN 'referred by probation' END AS notes,
  concat_ws(';',
    CASE WHEN e_typo THEN 'typo' END,
    CASE WHEN e_nickname AND middle_style <> 'middle' THEN 'nickname' END,
    CASE WHEN e_swapped THEN 'swapped_day_month' END,
    CASE WHEN pnc_sent IS NOT NULL AND pnc_sent <> pnc_id THEN 'transposed_digits' END,
    CASE WHEN e_missing_pnc THEN 'missing_pnc' END,
    CASE WHEN e_wrong_date THEN 'wrong_intervention_date' END,
    CASE WHEN e_name_order THEN 'name_order' END,
    CASE WHEN middle_style <> 'full' THEN 'middle_name_' || middle_style END,
    CASE WHEN surname_style <> 'whole' THEN 'surname_' || surname_style END,
    CASE WHEN e_missing_dob THEN 'missing_dob' END
  ) AS errors
FROM typed;

-- People who are not in the register (someone the provider worked with who has no record, or
-- whose details are wrong beyond recognition): plausible names and dates, no identifiers.
CREATE OR REPLACE TABLE req_fakes AS
WITH candidates AS (
  SELECT i,
    CASE WHEN u01($seed::BIGINT, -i, 0, 'fake-gender-' || $programme) < 0.8 THEN 'M' ELSE 'F' END AS gender,
    days(100000 * u01($seed::BIGINT, -i, 0, 'fake-surname-' || $programme)) AS s_key,
    days(100000 * u01($seed::BIGINT, -i, 0, 'fake-forename-' || $programme)) AS f_slot,
    $from::DATE - days(365.25 * (18 + 40 * u01($seed::BIGINT, -i, 0, 'fake-age-' || $programme))) AS dob,
    $from::DATE + days(($to::DATE - $from::DATE) * u01($seed::BIGINT, -i, 0, 'fake-start-' || $programme)) AS start,
    u01($seed::BIGINT, -i, 0, 'fake-type-' || $programme) AS u_type
  FROM range(1, 3 * $n_fakes::BIGINT + 10) t(i)
), named AS (
  SELECT c.*, s.name AS surname, f.name AS forename
  FROM candidates c
  JOIN name_lookup s ON s.slot_key = c.s_key
  JOIN name_lookup f ON f.slot_key = CASE WHEN c.gender = 'M' THEN 100000 ELSE 200000 END + c.f_slot
  -- never by chance the name and birth date of someone who is in the register
  WHERE NOT EXISTS (SELECT 1 FROM people_named p WHERE p.surname = s.name AND p.forename = f.name AND p.dob = c.dob)
)
SELECT
  -i AS source_key, CAST(NULL AS BIGINT) AS register_id, CAST(NULL AS BIGINT) AS disposal_id,
  true AS has_reference,
  surname, forename, dob, gender,
  CAST(NULL AS VARCHAR) AS pnc_id, CAST(NULL AS VARCHAR) AS prison_number,
  CAST(NULL AS DATE) AS index_date, CAST(NULL AS DATE) AS conviction_date,
  start AS intervention_start_date, start + days(60 + 240 * u_type) AS intervention_end_date,
  CASE WHEN u_type < 0.4 THEN 'custody' WHEN u_type < 0.8 THEN 'community' END AS sentence_type,
  CAST(NULL AS VARCHAR) AS notes,
  'not_in_register' AS errors
FROM named
ORDER BY i
LIMIT $n_fakes::BIGINT;

-- Every row, shuffled, with duplicates: copies of some rows, placed anywhere in the file. Of each
-- pair, the later row is the duplicate of the earlier one.
CREATE OR REPLACE TABLE req_all AS
WITH originals AS (
  SELECT *, 0 AS copy FROM req_rows
  UNION ALL
  SELECT *, 0 AS copy FROM req_fakes
), refs AS (
  -- the provider's own case numbers: unique per person, in no particular order
  SELECT source_key,
    $reference_prefix || CAST(10000 + row_number() OVER (ORDER BY u01($seed::BIGINT, source_key, 0, 'reference-' || $programme), source_key) AS VARCHAR) AS reference
  FROM originals WHERE has_reference
), copies AS (
  SELECT *, 1 AS copy FROM req_rows
  ORDER BY u01($seed::BIGINT, source_key, 0, 'duplicate-' || $programme), source_key
  LIMIT $n_duplicates::BIGINT
), everything AS (
  SELECT * FROM originals UNION ALL SELECT * FROM copies
), ordered AS (
  SELECT e.*, r.reference,
    -- row 1 is the header, so people start at row 2
    1 + row_number() OVER (ORDER BY u01($seed::BIGINT, e.source_key, e.copy, 'row-order-' || $programme), e.source_key, e.copy) AS row
  FROM everything e LEFT JOIN refs r USING (source_key)
)
SELECT *,
  CASE WHEN count(*) OVER (PARTITION BY source_key) > 1 AND row > min(row) OVER (PARTITION BY source_key)
       THEN min(row) OVER (PARTITION BY source_key) END AS duplicate_of
FROM ordered;
