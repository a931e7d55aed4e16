-- The register files, each with a total ORDER BY so the same seed gives the same bytes whatever
-- the thread count. (Relying on a table's insertion order instead keeps the rows in order but not
-- the Parquet row-group boundaries, which then depend on the threads.)
COPY (
  SELECT p.register_id, n.pnc_id, p.forename, p.surname, p.dob, p.gender, p.ethnicity, p.nationality, p.region
  FROM people_named p LEFT JOIN pnc_gen n USING (register_id)
  ORDER BY p.register_id
) TO $people_path (FORMAT parquet);

COPY (
  SELECT register_id, prison_number, first_used FROM prison_gen ORDER BY register_id, first_used, prison_number
) TO $prison_numbers_path (FORMAT parquet);

COPY (
  SELECT disposal_id, register_id, disposal_date, CAST(disposal_type AS VARCHAR) AS disposal_type,
    sentence_months, release_date, CAST(court AS VARCHAR) AS court
  FROM dis_gen ORDER BY disposal_id
) TO $disposals_path (FORMAT parquet);

-- The offences each disposal proved: the first on the disposal's offence date, the others
-- committed between then and the proof (never before: the first offence starts the clock).
COPY (
  WITH expanded AS (
    SELECT d.disposal_id, d.register_id, d.o_date, d.disposal_date, d.main_type, d.main_mode,
      unnest(range(d.n_off)) AS j
    FROM dis_gen d
  ), drawn AS (
    SELECT e.*, offence_hash($seed::BIGINT, disposal_id, j) AS h FROM expanded e
  ), typed AS (
    SELECT drawn.*, nth_offence_type(h, j, main_type) AS offence_type
    FROM drawn
  )
  SELECT
    disposal_id * 100 + j AS offence_id,
    register_id,
    disposal_id,
    nth_offence_date(h, j, o_date, disposal_date) AS offence_date,
    disposal_date AS proven_date,
    offence_type,
    nth_offence_mode(h, j, main_mode, offence_type) AS mode_of_trial
  FROM typed
  ORDER BY offence_id
) TO $offences_path (FORMAT parquet);

COPY (
  SELECT register_id, CAST(spell_type AS VARCHAR) AS spell_type, start_date, end_date FROM spells_gen
  ORDER BY register_id, start_date, spell_type, end_date NULLS LAST
) TO $spells_path (FORMAT parquet);

COPY (
  SELECT register_id, assessment_date, ogrs,
    CAST(need_accommodation AS INTEGER) AS need_accommodation, CAST(need_employment AS INTEGER) AS need_employment,
    CAST(need_relationships AS INTEGER) AS need_relationships, CAST(need_lifestyle AS INTEGER) AS need_lifestyle,
    CAST(need_drugs AS INTEGER) AS need_drugs, CAST(need_alcohol AS INTEGER) AS need_alcohol,
    CAST(need_thinking AS INTEGER) AS need_thinking, CAST(need_attitudes AS INTEGER) AS need_attitudes
  FROM assess_gen ORDER BY register_id, assessment_date, k
) TO $assessments_path (FORMAT parquet);
