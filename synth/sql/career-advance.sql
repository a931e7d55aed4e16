-- Move the loop on: this step's table becomes `prev`, and the state of the next step is a view
-- over it (a view, not a copy: writing a state table each step cost as much as computing it).
DROP TABLE IF EXISTS prev;
DROP TABLE IF EXISTS state_init;
ALTER TABLE step RENAME TO prev;
CREATE OR REPLACE TEMP VIEW state AS
SELECT
  register_id, k + 1 AS k, dob, gender, risk, employability, next_o AS o_date,
  prev_off + n_off AS prev_off,
  -- offences as the register records them: a PND's are never counted (methodology §5.1)
  prev_off_rec + CASE WHEN disposal_type = 'pnd' THEN 0 ELSE n_off END AS prev_off_rec,
  prev_disp + 1 AS prev_disp,
  prev_cust + (disposal_type = 'custody')::INTEGER AS prev_cust,
  CASE WHEN has_emp THEN e_start ELSE emp_start END AS emp_start,
  CASE WHEN has_emp THEN e_end ELSE emp_end END AS emp_end
FROM prev
WHERE continues;
