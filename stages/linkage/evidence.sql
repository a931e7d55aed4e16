-- Each plausible pair's evidence in bits, before the prior: the personal details' weight
-- (score.sql) and the evidence outside the model, with fixed weights: a PNC one slip away
-- +$pnc_near_bits, a different PNC -$pnc_conflict_bits, a different prison number
-- -$pn_conflict_bits, and in the pipeline the sentence dates (+$date_bits when the provider's
-- dates fit one of the person's sentences, +$date_bits_strong when the index or conviction date
-- itself does; event-evidence.sql). link.ts estimates the share of rows with a match from these
-- (the prior), and decide.sql decides.
CREATE TABLE pair_evidence AS
SELECT p.*,
       coalesce(s.best_event_points, 0) AS event_points,
       p.personal_weight
         + CASE WHEN p.pnc_near THEN $pnc_near_bits ELSE 0 END
         - CASE WHEN p.pnc_conflict THEN $pnc_conflict_bits ELSE 0 END
         - CASE WHEN p.pn_conflict THEN $pn_conflict_bits ELSE 0 END
         + CASE WHEN coalesce(s.best_event_points, 0) >= 6 THEN $date_bits_strong
                WHEN coalesce(s.best_event_points, 0) >= 4 THEN $date_bits ELSE 0 END AS evidence_weight,
       p.g_gender <> 0 AND NOT p.gender_guess_conflict AS gender_ok,
       CASE WHEN p.pnc_exact AND p.personal_weight >= 0 THEN 'pnc'
            WHEN p.pn_exact AND p.personal_weight >= 0 THEN 'prison_number' END AS identifier_tier
FROM plausible p
LEFT JOIN pair_date_support s ON s.row = p.row AND s.register_id = p.rid;

-- What blocking and scoring found for each row: the match report counts these.
CREATE TABLE row_stats AS
SELECT c.row, coalesce(k.n, 0)::BIGINT AS candidates, coalesce(p.n, 0)::BIGINT AS plausible
FROM cohort c
LEFT JOIN (SELECT row, count(*) AS n FROM candidates GROUP BY row) k USING (row)
LEFT JOIN (SELECT row, count(*) AS n FROM plausible GROUP BY row) p USING (row);
