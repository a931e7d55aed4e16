-- Scoring the candidate pairs. Points per field:
--   date of birth  exact 4, day/month swapped 3, two digits transposed 2.5, one digit wrong 2,
--                  same year only 0.5
--   surname        exact 3, a slip (Damerau-Levenshtein 1 on 5+ letters, or Jaro-Winkler >= 0.92) 2,
--                  Jaro-Winkler >= 0.85 1
--   forename       exact 3, a nickname of the same formal name 2.5, a slip 2, a slip of a
--                  nickname ("Dvay" for Davy for David) 1.5, Jaro-Winkler >= 0.85 1, same initial 0.5
-- A "slip" only counts as one when the provider's spelling is not itself a name that several
-- people in the register have: "Marsh" is a surname, not a typo of "Marshall", and "Dale" is a
-- forename, not a slip of "Dave". Such pairs get the weak points (1 for a surname, 0.5 for a
-- forename) instead.
--   gender         agrees 0.5, missing 0, disagrees -3
-- Name comparisons are made once per distinct pair of spellings, not once per candidate pair:
-- a national register has far fewer distinct names than candidate pairs.

-- Forenames that can stand for the same formal name (BILL ~ WILLIAM ~ WILL).
CREATE TABLE forename_equiv AS
SELECT DISTINCT a.fn AS fn_a, b.fn AS fn_b
FROM forename_canon a JOIN forename_canon b ON a.canon = b.canon AND a.fn <> b.fn;

CREATE TABLE candidate_names AS
SELECT DISTINCT c.sn AS c_sn, c.fn AS c_fn, r.sn AS r_sn, r.fn AS r_fn
FROM candidates k JOIN cohort c ON c.row = k.row JOIN register r ON r.register_id = k.register_id;

-- Spellings from the cohort that are real names of at least 5 people in the register.
CREATE TABLE common_surnames AS
SELECT sn FROM register WHERE sn IN (SELECT c_sn FROM candidate_names) GROUP BY sn HAVING count(*) >= 5;
CREATE TABLE common_forenames AS
SELECT fn FROM register WHERE fn IN (SELECT c_fn FROM candidate_names) GROUP BY fn HAVING count(*) >= 5;

CREATE TABLE surname_points AS
SELECT c_sn, r_sn,
       CASE WHEN c_sn = '' OR r_sn = '' THEN 0
            WHEN c_sn = r_sn THEN 3
            WHEN ((damerau_levenshtein(c_sn, r_sn) = 1 AND least(length(c_sn), length(r_sn)) >= 5)
                  OR jaro_winkler_similarity(c_sn, r_sn) >= 0.92)
                 AND c_sn NOT IN (SELECT sn FROM common_surnames) THEN 2
            WHEN jaro_winkler_similarity(c_sn, r_sn) >= 0.85 THEN 1
            ELSE 0 END AS sn_points
FROM (SELECT DISTINCT c_sn, r_sn FROM candidate_names);

CREATE TABLE nickname_slips AS
SELECT DISTINCT p.c_fn, p.r_fn
FROM (SELECT DISTINCT c_fn, r_fn FROM candidate_names) p
JOIN forename_equiv e ON e.fn_b = p.r_fn
WHERE (damerau_levenshtein(p.c_fn, e.fn_a) = 1 AND least(length(p.c_fn), length(e.fn_a)) >= 4)
   OR jaro_winkler_similarity(p.c_fn, e.fn_a) >= 0.92;

CREATE TABLE forename_points AS
SELECT p.c_fn, p.r_fn,
       CASE WHEN p.c_fn = '' OR p.r_fn = '' THEN 0
            WHEN p.c_fn = p.r_fn THEN 3
            WHEN fe.fn_a IS NOT NULL THEN 2.5
            WHEN cf.fn IS NOT NULL THEN CASE WHEN left(p.c_fn, 1) = left(p.r_fn, 1) THEN 0.5 ELSE 0 END
            WHEN (damerau_levenshtein(p.c_fn, p.r_fn) = 1 AND least(length(p.c_fn), length(p.r_fn)) >= 5)
                 OR jaro_winkler_similarity(p.c_fn, p.r_fn) >= 0.92 THEN 2
            WHEN ns.c_fn IS NOT NULL THEN 1.5
            WHEN jaro_winkler_similarity(p.c_fn, p.r_fn) >= 0.85 THEN 1
            WHEN left(p.c_fn, 1) = left(p.r_fn, 1) THEN 0.5
            ELSE 0 END AS fn_points
FROM (SELECT DISTINCT c_fn, r_fn FROM candidate_names) p
LEFT JOIN forename_equiv fe ON fe.fn_a = p.c_fn AND fe.fn_b = p.r_fn
LEFT JOIN nickname_slips ns ON ns.c_fn = p.c_fn AND ns.r_fn = p.r_fn
LEFT JOIN common_forenames cf ON cf.fn = p.c_fn;

-- How many people in the register share the candidate's surname and forename: with a common
-- name, a date of birth that is only close is also close for strangers.
CREATE TABLE name_counts AS
SELECT sn, fn, count(*)::INTEGER AS people
FROM register
WHERE (sn, fn) IN (SELECT (r_sn, r_fn) FROM candidate_names)
GROUP BY sn, fn;

CREATE TABLE person_prison_numbers AS SELECT DISTINCT register_id FROM register_prison_numbers;

CREATE TABLE pair_features AS
SELECT k.row, k.register_id,
       (c.pnc IS NOT NULL AND c.pnc = r.pnc) AS pnc_exact,
       -- CASE, not AND: the edit distance is then computed only for pairs with two different ids
       CASE WHEN c.pnc IS NULL OR r.pnc IS NULL OR c.pnc = r.pnc THEN false ELSE one_edit_apart(c.pnc, r.pnc) END AS pnc_near,
       CASE WHEN c.pnc IS NULL OR r.pnc IS NULL OR c.pnc = r.pnc THEN false ELSE NOT one_edit_apart(c.pnc, r.pnc) END AS pnc_conflict,
       (pn.register_id IS NOT NULL) AS pn_exact,
       (c.pn IS NOT NULL AND pn.register_id IS NULL AND hp.register_id IS NOT NULL) AS pn_conflict,
       CASE WHEN c.dob IS NULL OR r.dob IS NULL THEN 0
            WHEN c.dob = r.dob THEN 4
            WHEN dob_swapped(c.dob) = r.dob THEN 3
            -- (both are eight digits: the cheap Hamming test first spares most pairs the edit distance)
            WHEN hamming(c.dd, r.dd) = 2 AND damerau_levenshtein(c.dd, r.dd) = 1 THEN 2.5
            WHEN hamming(c.dd, r.dd) = 1 THEN 2
            WHEN year(c.dob) = year(r.dob) THEN 0.5
            ELSE 0 END AS dob_points,
       sp.sn_points,
       fp.fn_points,
       CASE WHEN c.gender IS NULL OR r.gender IS NULL THEN 0 WHEN c.gender = r.gender THEN 0.5 ELSE -3 END AS gender_points,
       coalesce(nc.people, 0) AS name_people
FROM candidates k
JOIN cohort c ON c.row = k.row
JOIN register r ON r.register_id = k.register_id
JOIN surname_points sp ON sp.c_sn = c.sn AND sp.r_sn = r.sn
JOIN forename_points fp ON fp.c_fn = c.fn AND fp.r_fn = r.fn
LEFT JOIN name_counts nc ON nc.sn = r.sn AND nc.fn = r.fn
LEFT JOIN register_prison_numbers pn ON pn.register_id = k.register_id AND pn.pn = c.pn
LEFT JOIN person_prison_numbers hp ON hp.register_id = k.register_id;

-- Pairs worth a look at the sentence dates: an identifier agrees, or both names do a little,
-- or the date of birth and one name do. The rest are blocking noise.
CREATE TABLE plausible AS
SELECT * FROM pair_features
WHERE pnc_exact OR pnc_near OR pn_exact
   OR (sn_points >= 1 AND fn_points >= 0.5)
   OR (dob_points >= 2 AND (sn_points >= 1 OR fn_points >= 1));
