-- Age at the start of the one-year period; the mean is taken in JS in event_id order.
SELECT age_index FROM analysis_rows WHERE treated = 1 AND age_index IS NOT NULL ORDER BY event_id;
