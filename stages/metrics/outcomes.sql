-- Rows for the statistics, in a total order so every float sum runs in the same order.
SELECT treated::INTEGER AS treated, weight, reoff, reoff_freq, days_to_first,
       first_indictable, first_either_way, first_summary,
       freq_indictable, freq_either_way, freq_summary, first_custody, custody_freq,
       coalesce(region, 'Unknown') AS region, coalesce(sentence_type, 'Unknown') AS sentence_type,
       coalesce(gender, 'Unknown') AS gender
FROM analysis_rows
ORDER BY event_id;
