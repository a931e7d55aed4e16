-- Replay participants' careers from their treated index event. Everything before it stays as the
-- first pass made it (every draw is keyed by person and step, so it would come out the same);
-- from that step on, the first-pass history is removed and generated again with the effect.
DELETE FROM dis_gen USING treated t WHERE dis_gen.register_id = t.register_id AND dis_gen.k >= t.k;
DELETE FROM ev_gen USING treated t WHERE ev_gen.register_id = t.register_id AND ev_gen.k >= t.k;
DELETE FROM spells_gen USING treated t WHERE spells_gen.register_id = t.register_id AND spells_gen.k >= t.k;
DELETE FROM assess_gen USING treated t WHERE assess_gen.register_id = t.register_id AND assess_gen.k >= t.k;

CREATE OR REPLACE TABLE state_init AS
SELECT e.register_id, e.k, p.dob, p.gender, p.risk, p.employability, e.o_date,
  e.prev_off, e.prev_off_rec, e.prev_disp, e.prev_cust, e.emp_start, e.emp_end
FROM treated t
JOIN ev_gen_treated e ON e.register_id = t.register_id AND e.k = t.k
JOIN people_gen p ON p.register_id = t.register_id;

DROP TABLE ev_gen_treated;

CREATE OR REPLACE TEMP VIEW state AS SELECT * FROM state_init;
