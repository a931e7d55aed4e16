-- Age bands of the profiles (completed years); ages under 18 can occur among the people not
-- included (intake accepts ages from 10, the age of criminal responsibility).
CREATE OR REPLACE TEMP MACRO age_band(age) AS
  CASE WHEN age IS NULL THEN 'Unknown'
       WHEN age < 18 THEN 'Under 18'
       WHEN age < 21 THEN '18 to 20'
       WHEN age < 25 THEN '21 to 24'
       WHEN age < 30 THEN '25 to 29'
       WHEN age < 40 THEN '30 to 39'
       WHEN age < 50 THEN '40 to 49'
       ELSE '50 and over' END;
