-- Comparison vectors: for each pair, the level at which each field agrees (Fellegi-Sunter's
-- gamma). Blocked pairs (scored, and EM estimates m from them) and random pairs (they give u)
-- are compared by the same rules, so that m and u describe exactly the levels the model scores.
--   forename, surname  6 the same letters ("MARY ANN" = "MARY-ANN"); 5 a shared part (a middle
--                      name used as the forename, one part of a hyphenated or double-barrelled
--                      surname); 4 variants of one name in name-variants.csv (BILL ~ WILLIAM,
--                      STEVEN ~ STEPHEN); 3 a typo (Jaro-Winkler >= 0.92, or one edit on four
--                      letters or more); 2 the same sound (phonetic code) or Jaro-Winkler >= 0.85;
--                      1 the same initial; 0 different; -1 missing
--   date of birth      5 exact; 4 day and month swapped; 3 the year one out, day and month the
--                      same; 2 one digit wrong or two adjacent digits transposed; 1 within a
--                      year; 0 different; -1 missing (levels in order of how rarely strangers
--                      reach them: one digit anywhere is far commoner by chance than the year)
--   gender             1 agree; 0 disagree; -1 missing
-- Names swapped between the forename and surname fields (OKAFOR DAVID for DAVID OKAFOR) are
-- compared crosswise as well; the crosswise levels are used when they are clearly better (see
-- `swapped`), and the model then charges a fixed penalty for having looked both ways.
-- The pairs come in `pair_records` (blocked-pairs.sql, random-pairs.sql).

-- Each distinct pair of name spellings is compared once. Crosswise (forename against surname)
-- only where the initials agree crosswise, as the crosswise blocking rules ask: a national run
-- has millions of pairs and comparing every one both ways would double the costliest step.
CREATE TABLE name_pairs AS
SELECT DISTINCT a, b FROM (
  SELECT l_fn AS a, r_fn AS b FROM pair_records
  UNION ALL SELECT l_sn, r_sn FROM pair_records
  UNION ALL SELECT l_fn, r_sn FROM pair_records WHERE left(l_fn, 1) = left(r_sn, 1) AND left(l_sn, 1) = left(r_fn, 1)
  UNION ALL SELECT l_sn, r_fn FROM pair_records WHERE left(l_fn, 1) = left(r_sn, 1) AND left(l_sn, 1) = left(r_fn, 1)
) WHERE a <> '' AND b <> '';

CREATE TABLE variant_pairs AS
SELECT DISTINCT p.a, p.b
FROM name_pairs p
JOIN name_keys ka ON ka.norm = p.a
JOIN name_keys kb ON kb.norm = p.b
JOIN name_variants va ON va.name = ka.first_part
JOIN name_variants vb ON vb.name = kb.first_part AND vb.grp = va.grp;

CREATE TABLE name_levels AS
WITH k AS (
  SELECT p.a, p.b, ka.compact AS ca, kb.compact AS cb, ka.parts AS pa, kb.parts AS pb, ka.phon AS pha, kb.phon AS phb,
         v.a IS NOT NULL AS variant,
         CASE WHEN ka.compact = kb.compact THEN 1.0 ELSE jaro_winkler_similarity(ka.compact, kb.compact) END AS jw
  FROM name_pairs p
  JOIN name_keys ka ON ka.norm = p.a
  JOIN name_keys kb ON kb.norm = p.b
  LEFT JOIN variant_pairs v ON v.a = p.a AND v.b = p.b
)
SELECT a, b,
       CASE WHEN ca = cb THEN 6
            -- (parts only matter when one side has several)
            WHEN (len(pa) > 1 OR len(pb) > 1) AND len(list_intersect(pa, pb)) > 0 THEN 5
            WHEN variant THEN 4
            WHEN jw >= 0.92 OR (least(length(ca), length(cb)) >= 4 AND jw >= 0.7 AND one_edit_apart(ca, cb)) THEN 3
            WHEN pha = phb OR jw >= 0.85 THEN 2
            WHEN left(ca, 1) = left(cb, 1) THEN 1
            ELSE 0 END AS level
FROM k;

CREATE TABLE pair_gammas AS
WITH oriented AS (
  SELECT p.kind, p.lid, p.rid, p.l_fn, p.l_sn, p.r_gender, p.r_pnc,
         coalesce(ff.level, -1) AS fn_direct, coalesce(ss.level, -1) AS sn_direct,
         coalesce(fs.level, -1) AS fn_cross, coalesce(sf.level, -1) AS sn_cross,
         CASE WHEN p.l_dob IS NULL OR p.r_dob IS NULL THEN -1
              WHEN p.l_dob = p.r_dob THEN 5
              WHEN dob_swapped(p.l_dob) = p.r_dob THEN 4
              -- (both are eight digits: the cheap Hamming test first spares most pairs the edit distance)
              WHEN month(p.l_dob) = month(p.r_dob) AND day(p.l_dob) = day(p.r_dob) AND abs(year(p.l_dob) - year(p.r_dob)) = 1 THEN 3
              WHEN hamming(p.l_dd, p.r_dd) = 1 OR (hamming(p.l_dd, p.r_dd) = 2 AND damerau_levenshtein(p.l_dd, p.r_dd) = 1) THEN 2
              WHEN abs(p.l_dob - p.r_dob) <= 365 THEN 1
              ELSE 0 END AS g_dob,
         CASE WHEN p.l_gender IS NULL OR p.r_gender IS NULL THEN -1 WHEN p.l_gender = p.r_gender THEN 1 ELSE 0 END AS g_gender
  FROM pair_records p
  LEFT JOIN name_levels ff ON ff.a = p.l_fn AND ff.b = p.r_fn
  LEFT JOIN name_levels ss ON ss.a = p.l_sn AND ss.b = p.r_sn
  LEFT JOIN name_levels fs ON fs.a = p.l_fn AND fs.b = p.r_sn
  LEFT JOIN name_levels sf ON sf.a = p.l_sn AND sf.b = p.r_fn
), chosen AS (
  -- crosswise only when both crosswise names agree at least as a typo and clearly beat the
  -- direct reading
  SELECT *, least(fn_cross, sn_cross) >= 3
            AND greatest(fn_cross, 0) + greatest(sn_cross, 0) >= greatest(fn_direct, 0) + greatest(sn_direct, 0) + 3 AS swapped
  FROM oriented
)
SELECT kind, lid, rid,
       CASE WHEN swapped THEN fn_cross ELSE fn_direct END AS g_fn,
       CASE WHEN swapped THEN sn_cross ELSE sn_direct END AS g_sn,
       g_dob, g_gender, swapped, r_gender, r_pnc,
       -- the spellings whose frequency adjusts an exact agreement (direct reading only)
       CASE WHEN NOT swapped AND fn_direct = 6 THEN replace(l_fn, ' ', '') END AS fn_exact,
       CASE WHEN NOT swapped AND sn_direct = 6 THEN replace(l_sn, ' ', '') END AS sn_exact
FROM chosen;
