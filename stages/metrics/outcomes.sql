-- Rows for the statistics, in a total order so every float sum runs in the same order. Read as
-- typed arrays (src/columns.ts): the treatment flag, the weight, then the eleven outcomes in the
-- order of MEASURE_IDS (measures.ts), as DOUBLE with NULL read as NaN.
SELECT treated::INTEGER AS treated, weight::DOUBLE AS weight,
       reoff::DOUBLE, reoff_freq::DOUBLE, days_to_first::DOUBLE,
       first_indictable::DOUBLE, first_either_way::DOUBLE, first_summary::DOUBLE,
       freq_indictable::DOUBLE, freq_either_way::DOUBLE, freq_summary::DOUBLE,
       first_custody::DOUBLE, custody_freq::DOUBLE
FROM analysis_rows
ORDER BY event_id;
