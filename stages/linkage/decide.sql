-- One decision per cohort row, in the DPIA's order of strength of evidence.
-- 1. Identifiers first: a PNC id or prison number the person holds decides (tier pnc,
--    prison_number) when the personal details do not contradict it (their model weight is not
--    negative); an identifier contradicted by everything else is a suspect match.
-- 2. Otherwise the model: each pair's weight is the prior log-odds that a cohort row and a given
--    register person match ($prior_bits: log2 of the share of rows with a match over the
--    register's size, estimated in link.ts) plus the evidence (evidence.sql: the personal
--    details' weight and the identifiers' and sentence dates' fixed weights).
--    The match probability of a candidate is its share of the row's total odds, where the row
--    may also match nobody (odds $no_match_mass, the share of rows without a match):
--    p_i = 2^w_i / ($no_match_mass + sum_j 2^w_j). So two close candidates share the
--    probability, and neither reaches the threshold.
--    A pair whose genders are both given and differ is never linked and is no rival either
--    (twins of different sex share everything else); nor is one where the cohort gives no
--    gender but its forename is one the register only knows for the other sex (keys.sql).
-- The best candidate (highest probability, then weight) is linked when p >= $threshold. A row is a
-- suspect match (discarded and counted, as the DPIA asks) when its best candidate alone would
-- reach the threshold but a rival stops it (`ambiguous`), when both names agree but the rest is
-- too weak (`name_only`), or when its only identifier match is contradicted
-- (`identifier_contradicted`). `score` is the best candidate's match probability.
CREATE TABLE pair_decisions AS
SELECT e.*, $prior_bits + e.evidence_weight AS weight
FROM pair_evidence e;

-- (weights are capped at 60 bits so that 2^w stays finite and precise in a DOUBLE; the odds are
-- added in register-id order, so the sum is the same whatever the threads)
CREATE TABLE row_odds AS
SELECT row, list_sum(list(pow(2, least(weight, 60)) ORDER BY rid)) AS odds FROM pair_decisions WHERE gender_ok GROUP BY row;

CREATE TABLE pair_probabilities AS
SELECT d.*,
       CASE WHEN d.gender_ok THEN pow(2, least(d.weight, 60)) / ($no_match_mass + o.odds) ELSE 0 END AS p,
       CASE WHEN d.gender_ok THEN pow(2, least(d.weight, 60)) / ($no_match_mass + pow(2, least(d.weight, 60))) ELSE 0 END AS p_alone
FROM pair_decisions d
LEFT JOIN row_odds o ON o.row = d.row;

CREATE TABLE ranked AS
SELECT *,
       row_number() OVER (PARTITION BY row ORDER BY
         CASE identifier_tier WHEN 'pnc' THEN 1 WHEN 'prison_number' THEN 2 ELSE 3 END, p DESC, weight DESC, rid) AS rank
FROM pair_probabilities;

CREATE TABLE person_links AS
WITH best AS (SELECT * FROM ranked WHERE rank = 1),
     identified AS (SELECT row, bool_or(pnc_exact OR pn_exact) AS any_identifier FROM ranked GROUP BY row)
SELECT c.row,
       CASE WHEN b.row IS NULL THEN 'no_match'
            WHEN b.identifier_tier IS NOT NULL THEN 'linked'
            WHEN b.p >= $threshold THEN 'linked'
            WHEN b.p_alone >= $threshold THEN 'suspect'
            WHEN i.any_identifier THEN 'suspect'
            WHEN b.gender_ok AND b.g_fn >= 3 AND b.g_sn >= 3 THEN 'suspect'
            ELSE 'no_match' END AS status,
       CASE WHEN b.row IS NULL OR b.identifier_tier IS NOT NULL OR b.p >= $threshold THEN NULL
            WHEN b.p_alone >= $threshold THEN 'ambiguous'
            WHEN i.any_identifier THEN 'identifier_contradicted'
            WHEN b.gender_ok AND b.g_fn >= 3 AND b.g_sn >= 3 THEN 'name_only'
       END AS suspect_kind,
       CASE WHEN b.identifier_tier IS NOT NULL THEN b.identifier_tier
            WHEN b.g_fn = 6 AND b.g_sn = 6 AND b.g_dob = 5 AND NOT b.swapped THEN 'exact'
            ELSE 'fuzzy' END AS tier,
       round(b.p, 4) AS score,
       b.weight,
       b.p,
       b.rid
FROM cohort_rows c
LEFT JOIN best b ON b.row = c.row
LEFT JOIN identified i ON i.row = c.row;

-- Two cohort rows linked to the same person (a provider's duplicate): the row with the stronger
-- evidence keeps the link (identifier first, then probability, then weight, then the earlier
-- row); the others are duplicates.
CREATE TABLE person_links_dedup AS
SELECT l.* REPLACE (
         CASE WHEN l.status = 'linked' AND row_number() OVER (PARTITION BY l.status, l.rid ORDER BY
                CASE l.tier WHEN 'pnc' THEN 1 WHEN 'prison_number' THEN 2 ELSE 3 END, l.p DESC, l.weight DESC, l.row) > 1
              THEN 'duplicate' ELSE l.status END AS status)
FROM person_links l;
