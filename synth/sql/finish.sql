-- Derived register tables: PNC ids and prison numbers. (Offences are derived as they are written,
-- in write-register.sql: 18 million rows at national scale are not worth holding in memory.)

-- A PNC id for everyone with a proven disposal: the year of the first offence, a serial within
-- that year (in hashed order, so serials do not follow register ids) and the mod-23 check letter.
CREATE OR REPLACE TABLE pnc_gen AS
WITH first_offence AS (
  SELECT register_id, year(o_date) AS yr FROM dis_gen WHERE k = 1
), numbered AS (
  SELECT register_id, yr,
    row_number() OVER (PARTITION BY yr ORDER BY u01($seed::BIGINT, register_id, 0, 'pnc'), register_id) + 1000 AS serial
  FROM first_offence
)
SELECT register_id,
  printf('%04d/%07d', yr, serial)
    || substr('ZABCDEFGHJKLMNPQRTUVWXY', CAST(1 + ((yr % 100) * 10000000 + serial) % 23 AS INTEGER), 1) AS pnc_id
FROM numbered;

-- A prison number at the first custodial sentence, and sometimes a new one after two years out.
CREATE OR REPLACE TABLE prison_gen AS
WITH custody AS (
  SELECT register_id, disposal_id, k, disposal_date,
    lag(coalesce(release_date, disposal_date)) OVER (PARTITION BY register_id ORDER BY k) AS previous_release,
    row_number() OVER (PARTITION BY register_id ORDER BY k) AS nth
  FROM dis_gen WHERE disposal_type = 'custody'
), new_number AS (
  SELECT * FROM custody
  WHERE nth = 1 OR (disposal_date - previous_release > 730 AND u01($seed::BIGINT, disposal_id, 0, 'new-prison-number') < 0.5)
), numbered AS (
  SELECT *, row_number() OVER (ORDER BY u01($seed::BIGINT, disposal_id, 0, 'prison-number'), disposal_id) + 676000 AS n
  FROM new_number
)
SELECT register_id, disposal_id, disposal_date AS first_used,
  chr(CAST(65 + (n // 6760000) % 26 AS INTEGER)) || lpad(CAST((n // 676) % 10000 AS VARCHAR), 4, '0')
    || chr(CAST(65 + (n // 26) % 26 AS INTEGER)) || chr(CAST(65 + n % 26 AS INTEGER)) AS prison_number
FROM numbered;
