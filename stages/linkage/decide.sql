-- One decision per cohort row, by the DPIA's order of strength of evidence: a PNC id or prison
-- number (unique identifiers); the sentence dates; then name, date of birth and gender.
-- Tiers, strongest first:
--   pnc            the PNC id agrees and name/dob points (max 10) reach 4: an identifier is
--                  unique, but a mistyped one can belong to someone else, so it needs support
--   prison_number  the same with a prison number the person has held
--   exact          surname, forename and date of birth identical, gender not contradicting,
--                  and no identifier contradicting
--   fuzzy          gender not contradicting and one of:
--                  a. date of birth exact, both names at least partly agree (a typo, a
--                     nickname) and the evidence reaches 9;
--                  b. date of birth with day and month swapped, both names at least partly
--                     agree, evidence 9, and something beyond name and birth date: sentence
--                     dates that fit, a PNC one slip away, or a name so rare (at most 3 people
--                     in the register) that a close date of birth is not shared by chance;
--                  b'. the same with two digits of the date of birth transposed or one digit
--                     wrong, where the dates must fit strongly (the index or conviction date
--                     itself): a common name has dozens of strangers a digit away in a
--                     national register;
--                  c. date of birth and surname exact, forename with the same initial, and
--                     the index or conviction date fitting;
--                  d. a PNC one slip away with name/dob points of 6 or more.
--                  The evidence is dob + names + gender, plus 2 for a PNC one slip away, minus
--                  2 for a different PNC and 1 for a different prison number, plus 2 when the
--                  sentence dates fit (see event-evidence.sql).
-- A row whose best candidate is supported only by the names and weak evidence, whose only
-- identifier match is contradicted by everything else, or whose two best candidates are
-- within one point of each other, is a suspect match: discarded and counted (DPIA).
-- `score` in the output is (dob + surname + forename + gender) / 10.5: the share of the maximum
-- personal-details agreement of the candidate, whatever tier decided.
CREATE TABLE pair_decisions AS
SELECT p.*,
       coalesce(s.best_event_points, 0) >= 4 AS date_support,
       -- the provider's index or conviction date itself fits (not only the intervention dates)
       coalesce(s.best_event_points, 0) >= 6 AS strong_date_support,
       sn_points + fn_points + dob_points AS personal_points,
       sn_points + fn_points + dob_points + gender_points
         + CASE WHEN pnc_near THEN 2 ELSE 0 END
         - CASE WHEN pnc_conflict THEN 2 ELSE 0 END
         - CASE WHEN pn_conflict THEN 1 ELSE 0 END
         + CASE WHEN coalesce(s.best_event_points, 0) >= 4 THEN 2 ELSE 0 END AS evidence,
       round((sn_points + fn_points + dob_points + gender_points) / 10.5, 4) AS score
FROM plausible p
LEFT JOIN pair_date_support s USING (row, register_id);

CREATE TABLE pair_tiers AS
SELECT *,
       CASE WHEN pnc_exact AND personal_points >= 4 THEN 'pnc'
            WHEN pn_exact AND personal_points >= 4 THEN 'prison_number'
            WHEN sn_points = 3 AND fn_points = 3 AND dob_points = 4 AND gender_points >= 0
                 AND NOT pnc_conflict AND NOT pn_conflict THEN 'exact'
            WHEN gender_points < 0 THEN NULL
            WHEN dob_points = 4 AND sn_points >= 1 AND fn_points >= 1 AND evidence >= 9 THEN 'fuzzy'
            WHEN dob_points = 3 AND sn_points >= 1 AND fn_points >= 1 AND evidence >= 9
                 AND (date_support OR pnc_near OR name_people <= 3) THEN 'fuzzy'
            WHEN dob_points IN (2, 2.5) AND sn_points >= 1 AND fn_points >= 1 AND evidence >= 9
                 AND (strong_date_support OR pnc_near OR name_people <= 3) THEN 'fuzzy'
            WHEN dob_points = 4 AND sn_points = 3 AND fn_points >= 0.5 AND strong_date_support THEN 'fuzzy'
            WHEN pnc_near AND personal_points >= 6 THEN 'fuzzy'
       END AS tier
FROM pair_decisions;

CREATE TABLE ranked AS
SELECT *,
       row_number() OVER (PARTITION BY row ORDER BY
         CASE tier WHEN 'pnc' THEN 1 WHEN 'prison_number' THEN 2 WHEN 'exact' THEN 3 WHEN 'fuzzy' THEN 4 ELSE 9 END,
         evidence DESC, register_id) AS rank,
       -- the strongest rival among the other accepted name-and-dob candidates
       max(CASE WHEN tier IN ('exact', 'fuzzy') THEN evidence END) OVER (PARTITION BY row ORDER BY
         CASE tier WHEN 'pnc' THEN 1 WHEN 'prison_number' THEN 2 WHEN 'exact' THEN 3 WHEN 'fuzzy' THEN 4 ELSE 9 END,
         evidence DESC, register_id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING) AS rival_evidence
FROM pair_tiers;

CREATE TABLE person_links AS
WITH best AS (SELECT * FROM ranked WHERE rank = 1)
SELECT c.row,
       CASE WHEN b.row IS NULL THEN 'no_match'
            WHEN b.tier IN ('pnc', 'prison_number') THEN 'linked'
            WHEN b.tier IS NOT NULL AND (b.rival_evidence IS NULL OR b.rival_evidence < b.evidence - 1) THEN 'linked'
            WHEN b.tier IS NOT NULL THEN 'suspect'
            WHEN b.pnc_exact OR b.pn_exact OR (b.sn_points >= 1 AND b.fn_points >= 1) THEN 'suspect'
            ELSE 'no_match' END AS status,
       CASE WHEN b.row IS NULL THEN NULL
            WHEN b.tier IS NOT NULL AND (b.tier IN ('pnc', 'prison_number') OR b.rival_evidence IS NULL OR b.rival_evidence < b.evidence - 1) THEN NULL
            WHEN b.tier IS NOT NULL THEN 'ambiguous'
            WHEN b.pnc_exact OR b.pn_exact THEN 'identifier_contradicted'
            WHEN b.sn_points >= 1 AND b.fn_points >= 1 THEN 'name_only'
       END AS suspect_kind,
       b.tier, b.score, b.register_id
FROM cohort c
LEFT JOIN best b ON b.row = c.row;

-- Two cohort rows linked to the same person: the first keeps the link, later ones are duplicates.
CREATE TABLE person_links_dedup AS
SELECT l.* REPLACE (
         CASE WHEN l.status = 'linked' AND row_number() OVER (PARTITION BY l.status, l.register_id ORDER BY l.row) > 1
              THEN 'duplicate' ELSE l.status END AS status)
FROM person_links l;
