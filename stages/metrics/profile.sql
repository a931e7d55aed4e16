-- Counts for the treatment-group profile (suppressed in JS before they leave the stage).
SELECT section, category, n FROM (
  SELECT 'sex' AS section, coalesce(gender, 'Unknown') AS category, count(*)::INTEGER AS n FROM analysis_rows WHERE treated = 1 GROUP BY ALL
  UNION ALL
  SELECT 'ethnicity', coalesce(ethnicity, 'Unknown'), count(*)::INTEGER FROM analysis_rows WHERE treated = 1 GROUP BY ALL
  UNION ALL
  SELECT 'nationality', coalesce(nationality, 'Unknown'), count(*)::INTEGER FROM analysis_rows WHERE treated = 1 GROUP BY ALL
  UNION ALL
  SELECT 'age_band',
         CASE WHEN age_index IS NULL THEN 'Unknown'
              WHEN age_index < 21 THEN '18 to 20'
              WHEN age_index < 25 THEN '21 to 24'
              WHEN age_index < 30 THEN '25 to 29'
              WHEN age_index < 40 THEN '30 to 39'
              WHEN age_index < 50 THEN '40 to 49'
              ELSE '50 and over' END,
         count(*)::INTEGER
  FROM analysis_rows WHERE treated = 1 GROUP BY ALL
)
ORDER BY section, category;
