-- Per cohort row, the sum of 2^evidence over the candidates it may be linked to (capped at 60
-- bits; added in register-id order, so the same whatever the threads): link.ts estimates the
-- match share from these.
CREATE TABLE row_evidence AS
SELECT row, list_sum(list(pow(2, least(evidence_weight, 60)) ORDER BY rid)) AS odds
FROM pair_evidence WHERE gender_ok GROUP BY row;
