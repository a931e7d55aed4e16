-- Match weights of the blocked pairs: the sum over fields of log2(m/u) at the pair's comparison
-- levels (model_weights, from model.ts), where an exact name agreement is weighed by how common
-- the name is (term-frequency adjustment: log2(m / share of people with that spelling), so JOHN
-- SMITH counts for less than a rare name), minus a fixed penalty when the names were read
-- crosswise. A missing field weighs nothing either way.
-- Identifiers are compared here too, outside the model (decide.sql puts them first):
--   pnc_exact     the same PNC id
--   pnc_near      one slip apart (a typed or transposed digit) and the provider's id fails its
--                 check letter, so it cannot be someone else's valid id
--   pnc_conflict  two different ids otherwise
--   pn_exact / pn_conflict  a prison number the person has held / a person with prison
--                 numbers, none of them the one given
CREATE TABLE pair_weights AS
SELECT g.lid::INTEGER AS row, g.rid, g.g_fn, g.g_sn, g.g_dob, g.g_gender, g.swapped, g.r_gender, g.r_pnc,
       coalesce(CASE WHEN g.fn_exact IS NOT NULL THEN log2(wf.m / greatest(tff.tf, $tf_floor)) END, wf.log2_bf, 0)
     + coalesce(CASE WHEN g.sn_exact IS NOT NULL THEN log2(ws.m / greatest(tfs.tf, $tf_floor)) END, ws.log2_bf, 0)
     + coalesce(wd.log2_bf, 0)
     + coalesce(wg.log2_bf, 0)
     - CASE WHEN g.swapped THEN $swap_penalty ELSE 0 END AS personal_weight
FROM pair_gammas g
LEFT JOIN model_weights wf ON wf.comparison = 'forename' AND wf.level = g.g_fn
LEFT JOIN model_weights ws ON ws.comparison = 'surname' AND ws.level = g.g_sn
LEFT JOIN model_weights wd ON wd.comparison = 'dob' AND wd.level = g.g_dob
LEFT JOIN model_weights wg ON wg.comparison = 'gender' AND wg.level = g.g_gender
LEFT JOIN tf_forename tff ON tff.compact = g.fn_exact
LEFT JOIN tf_surname tfs ON tfs.compact = g.sn_exact
WHERE g.kind = 'blocked';

CREATE TABLE person_prison_numbers AS SELECT DISTINCT rid FROM register_prison_numbers;

CREATE TABLE pair_features AS
SELECT w.*,
       (c.pnc IS NOT NULL AND c.pnc = w.r_pnc) AS pnc_exact,
       -- CASE, not AND: the edit distance is then computed only for pairs with two different ids
       CASE WHEN c.pnc IS NULL OR w.r_pnc IS NULL OR c.pnc = w.r_pnc THEN false
            ELSE one_edit_apart(c.pnc, w.r_pnc) AND NOT pnc_check_ok(c.pnc) END AS pnc_near,
       CASE WHEN c.pnc IS NULL OR w.r_pnc IS NULL OR c.pnc = w.r_pnc THEN false
            ELSE NOT one_edit_apart(c.pnc, w.r_pnc) OR pnc_check_ok(c.pnc) END AS pnc_conflict,
       -- no gender given, but the forename is one the register only knows for the other sex
       (c.gender IS NULL AND NOT w.swapped AND w.r_gender IS NOT NULL AND fs.sex IS NOT NULL AND fs.sex <> w.r_gender) AS gender_guess_conflict,
       (pn.rid IS NOT NULL) AS pn_exact,
       (c.pn IS NOT NULL AND pn.rid IS NULL AND hp.rid IS NOT NULL) AS pn_conflict
FROM pair_weights w
JOIN cohort c ON c.row = w.row
LEFT JOIN register_prison_numbers pn ON pn.rid = w.rid AND pn.pn = c.pn
LEFT JOIN person_prison_numbers hp ON hp.rid = w.rid
LEFT JOIN forename_sex fs ON fs.fn1 = c.fn1
-- (only pairs that can be plausible below: an identifier to compare, or weight enough)
WHERE c.pnc IS NOT NULL OR c.pn IS NOT NULL OR w.personal_weight + $prior_bits + $date_bits_strong >= -4;

-- Pairs worth a look at the sentence dates and a decision: an identifier agrees or nearly does,
-- or the model's weight with the prior could reach even odds with the strongest date evidence.
-- The rest are blocking noise.
CREATE TABLE plausible AS
SELECT * EXCLUDE (r_gender, r_pnc) FROM pair_features
WHERE pnc_exact OR pnc_near OR pn_exact OR personal_weight + $prior_bits + $date_bits_strong >= -4;
