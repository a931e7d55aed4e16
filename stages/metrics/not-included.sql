-- The cohort people who are not in the headline analysis's treatment group (methodology §10.1
-- item 11, the box "Participants not included in analysis"): not found in the register, found
-- but with no eligible sentence or none in the period, or off common support. Rows the linkage
-- marked 'duplicate' are the same person as another row, so they count in neither group.
-- Sex and age are as the provider sent them (age at the intervention start, else the index or
-- conviction date, as intake judges it); ethnicity and nationality come from the register, so
-- they are unknown for people it does not hold.
CREATE TABLE not_included AS
SELECT c.row,
       c.gender,
       date_sub('year', c.dob, coalesce(c.intervention_start_date, c.index_date, c.conviction_date))::INTEGER AS age,
       l.register_id,
       p.ethnicity,
       p.nationality
FROM read_parquet($cohort) c
JOIN read_parquet($links) l ON l.row = c.row
LEFT JOIN (SELECT register_id, ethnicity, nationality FROM read_parquet($people)) p ON p.register_id = l.register_id
WHERE l.status <> 'duplicate'
  AND NOT (l.status = 'linked' AND l.event_id IS NOT NULL
           AND l.event_id IN (SELECT event_id FROM analysis_rows WHERE treated = 1));
