-- Tables the career loop appends to. Categorical values are ENUMs (one byte instead of a 16-byte
-- string), which keeps a 5,000,000-person register inside the memory budget; they are written out
-- as VARCHAR. `treated` lists the index events a programme took part in (empty on the first pass).
CREATE TYPE disposal_kind AS ENUM ('custody', 'suspended', 'community', 'fine', 'discharge', 'caution', 'pnd');
CREATE TYPE court_kind AS ENUM ('magistrates', 'crown');
CREATE TYPE offence_kind AS ENUM ('violence', 'sexual', 'robbery', 'burglary', 'theft', 'criminal_damage', 'drugs', 'weapons', 'public_order', 'motoring', 'fraud', 'other');
CREATE TYPE trial_mode AS ENUM ('indictable', 'either_way', 'summary');
CREATE TYPE spell_kind AS ENUM ('employment', 'benefit');

CREATE OR REPLACE TABLE treated (register_id BIGINT, k INTEGER, programme VARCHAR, effect_pp DOUBLE);

-- Every disposal: what the register files need.
CREATE OR REPLACE TABLE dis_gen (
  disposal_id BIGINT, register_id BIGINT, k INTEGER, o_date DATE, disposal_date DATE,
  disposal_type disposal_kind, sentence_months DOUBLE, release_date DATE, court court_kind,
  n_off INTEGER, main_type offence_kind, main_mode trial_mode
);

-- Index events inside the programmes' periods, with what selection and the truth need: the
-- covariates participants were chosen on, the draws that decided their one-year reoffending, and
-- the career state at that step, from which a participant's career is replayed with the effect.
CREATE OR REPLACE TABLE ev_gen (
  disposal_id BIGINT, register_id BIGINT, k INTEGER, disposal_type disposal_kind, disposal_date DATE,
  index_date DATE, age_index DOUBLE, prev_off INTEGER, emp_days_1y INTEGER,
  p_reoff DOUBLE, u_reoff DOUBLE, programme VARCHAR, effect_pp DOUBLE,
  o_date DATE, prev_off_rec INTEGER, prev_disp INTEGER, prev_cust INTEGER, emp_start DATE, emp_end DATE
);

CREATE OR REPLACE TABLE spells_gen (register_id BIGINT, k INTEGER, spell_type spell_kind, start_date DATE, end_date DATE);

CREATE OR REPLACE TABLE assess_gen (
  register_id BIGINT, k INTEGER, assessment_date DATE, ogrs DOUBLE,
  need_accommodation UTINYINT, need_employment UTINYINT, need_relationships UTINYINT, need_lifestyle UTINYINT,
  need_drugs UTINYINT, need_alcohol UTINYINT, need_thinking UTINYINT, need_attitudes UTINYINT
);
