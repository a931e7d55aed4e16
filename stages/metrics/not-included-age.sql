-- Ages of the people not included, in row order (the mean is taken in JS).
SELECT age FROM not_included WHERE age IS NOT NULL ORDER BY row;
