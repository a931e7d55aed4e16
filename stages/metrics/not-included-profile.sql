-- Counts for the profile of the people not included (suppressed in JS, as the treatment group's).
SELECT section, category, n FROM (
  SELECT 'sex' AS section, coalesce(gender, 'Unknown') AS category, count(*)::INTEGER AS n FROM not_included GROUP BY ALL
  UNION ALL
  SELECT 'ethnicity', coalesce(ethnicity, 'Unknown'), count(*)::INTEGER FROM not_included GROUP BY ALL
  UNION ALL
  SELECT 'nationality', coalesce(nationality, 'Unknown'), count(*)::INTEGER FROM not_included GROUP BY ALL
  UNION ALL
  SELECT 'age_band', age_band(age), count(*)::INTEGER FROM not_included GROUP BY ALL
)
ORDER BY section, category;
