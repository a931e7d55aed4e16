-- Counts for the treatment-group profile (suppressed in JS before they leave the stage).
SELECT section, category, n FROM (
  SELECT 'sex' AS section, coalesce(gender, 'Unknown') AS category, count(*)::INTEGER AS n FROM analysis_rows WHERE treated = 1 GROUP BY ALL
  UNION ALL
  SELECT 'ethnicity', coalesce(ethnicity, 'Unknown'), count(*)::INTEGER FROM analysis_rows WHERE treated = 1 GROUP BY ALL
  UNION ALL
  SELECT 'nationality', coalesce(nationality, 'Unknown'), count(*)::INTEGER FROM analysis_rows WHERE treated = 1 GROUP BY ALL
  UNION ALL
  SELECT 'age_band', age_band(age_index), count(*)::INTEGER FROM analysis_rows WHERE treated = 1 GROUP BY ALL
)
ORDER BY section, category;
