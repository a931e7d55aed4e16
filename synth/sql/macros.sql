-- Helpers shared by every generator statement. All randomness is a hash of (seed, entity, step,
-- purpose): the same seed gives the same draws whatever the thread count or row order, and a new
-- purpose tag gives an independent stream. 53 bits of the hash make an exact DOUBLE in [0, 1).
-- The outer hash matters: DuckDB combines the hashes of several arguments cheaply, and without
-- re-mixing, draws that differ only in their tag are almost perfectly correlated (r = 0.99).
CREATE OR REPLACE TEMP MACRO u01(s, a, b, tag) AS
  ((hash(hash(s, a, b, tag)) >> 11)::DOUBLE / 9007199254740992.0);

CREATE OR REPLACE TEMP MACRO logistic(x) AS 1.0 / (1.0 + exp(-(x)));

-- Offence mix of proven offences (roughly the shape of the national caseload).
CREATE OR REPLACE TEMP MACRO offence_type(u) AS CASE
  WHEN u < 0.20 THEN 'theft'
  WHEN u < 0.39 THEN 'violence'
  WHEN u < 0.50 THEN 'drugs'
  WHEN u < 0.61 THEN 'motoring'
  WHEN u < 0.69 THEN 'public_order'
  WHEN u < 0.75 THEN 'criminal_damage'
  WHEN u < 0.81 THEN 'burglary'
  WHEN u < 0.85 THEN 'fraud'
  WHEN u < 0.89 THEN 'weapons'
  WHEN u < 0.91 THEN 'robbery'
  WHEN u < 0.93 THEN 'sexual'
  ELSE 'other' END;

-- Mode of trial given the offence type: robbery is indictable-only, most motoring is summary.
CREATE OR REPLACE TEMP MACRO mode_of_trial(t, u) AS CASE
  WHEN t = 'robbery' THEN 'indictable'
  WHEN t = 'sexual' THEN CASE WHEN u < 0.5 THEN 'indictable' ELSE 'either_way' END
  WHEN t = 'violence' THEN CASE WHEN u < 0.08 THEN 'indictable' WHEN u < 0.55 THEN 'either_way' ELSE 'summary' END
  WHEN t = 'burglary' THEN CASE WHEN u < 0.10 THEN 'indictable' ELSE 'either_way' END
  WHEN t = 'drugs' THEN CASE WHEN u < 0.15 THEN 'indictable' ELSE 'either_way' END
  WHEN t = 'weapons' THEN CASE WHEN u < 0.05 THEN 'indictable' ELSE 'either_way' END
  WHEN t = 'fraud' THEN CASE WHEN u < 0.08 THEN 'indictable' ELSE 'either_way' END
  WHEN t = 'theft' THEN CASE WHEN u < 0.55 THEN 'either_way' ELSE 'summary' END
  WHEN t = 'criminal_damage' THEN CASE WHEN u < 0.35 THEN 'either_way' ELSE 'summary' END
  WHEN t = 'public_order' THEN CASE WHEN u < 0.25 THEN 'either_way' ELSE 'summary' END
  WHEN t = 'motoring' THEN CASE WHEN u < 0.08 THEN 'either_way' ELSE 'summary' END
  ELSE CASE WHEN u < 0.5 THEN 'either_way' ELSE 'summary' END END;

-- Whole days as INTEGER, because DuckDB only adds INTEGER (not BIGINT or DOUBLE) to a DATE.
CREATE OR REPLACE TEMP MACRO days(x) AS CAST(floor(x) AS INTEGER);

-- One typing slip in a name at position p (>= 2, never the first letter): substitute, drop, add or
-- swap letters. The result always differs from the input (a swap only of two different letters).
CREATE OR REPLACE TEMP MACRO typo_in(s, p, u_op, u_letter) AS CASE
  WHEN length(s) < 2 THEN s || chr(97 + CAST(floor(u_letter * 26) AS INTEGER))
  WHEN u_op < 0.3 AND lower(substr(s, p, 1)) BETWEEN 'a' AND 'z' THEN
    substr(s, 1, p - 1)
    || chr(97 + CAST((ascii(lower(substr(s, p, 1))) - 97 + 1 + floor(u_letter * 25)) % 26 AS INTEGER))
    || substr(s, p + 1)
  WHEN u_op < 0.55 AND length(s) >= 4 THEN substr(s, 1, p - 1) || substr(s, p + 1)
  WHEN u_op < 0.8 AND p < length(s) AND substr(s, p, 1) <> substr(s, p + 1, 1) THEN
    substr(s, 1, p - 1) || substr(s, p + 1, 1) || substr(s, p, 1) || substr(s, p + 2)
  ELSE substr(s, 1, p) || chr(97 + CAST(floor(u_letter * 26) AS INTEGER)) || substr(s, p + 1)
END;

-- Swap two adjacent, different digits of a PNC serial (YYYY/NNNNNNNA), keeping the check letter,
-- which then no longer fits. u picks which of the possible swaps.
CREATE OR REPLACE TEMP MACRO transpose_pnc(pnc, u) AS (
  list_transform(
    [list_filter(range(6, 12), lambda i: substr(pnc, i, 1) <> substr(pnc, i + 1, 1))],
    lambda c: CASE WHEN len(c) = 0 THEN pnc ELSE
      substr(pnc, 1, c[1 + CAST(floor(u * len(c)) AS INTEGER)] - 1)
      || substr(pnc, c[1 + CAST(floor(u * len(c)) AS INTEGER)] + 1, 1)
      || substr(pnc, c[1 + CAST(floor(u * len(c)) AS INTEGER)], 1)
      || substr(pnc, c[1 + CAST(floor(u * len(c)) AS INTEGER)] + 2) END
  )[1]
);

-- The j-th uniform draw from a row's base hash h (itself a hash of seed, entity and step). One
-- base hash per row and one cheap integer re-hash per draw is 2-3x faster than u01 with a text
-- tag, which matters in the career loop (tens of millions of rows at national scale).
CREATE OR REPLACE TEMP MACRO draw(h, j) AS ((hash(xor(h, CAST(j AS UBIGINT))) >> 11)::DOUBLE / 9007199254740992.0);

-- The offences a disposal proved, from the disposal's own draws: the j-th (0-based) of its n_off
-- offences. The first is the one that started the case, on the disposal's offence date with its
-- main type and mode; the others were committed between then and the proof (never more than 60
-- days later). Shared by the register's offences file and the participants' potential outcomes,
-- so the truth is computed from the very offences the register holds.
CREATE OR REPLACE TEMP MACRO offence_hash(s, disposal_id, j) AS hash(s, disposal_id, j);
CREATE OR REPLACE TEMP MACRO nth_offence_type(h, j, main_type) AS
  CASE WHEN j = 0 THEN CAST(main_type AS VARCHAR) ELSE offence_type(draw(h, 1)) END;
CREATE OR REPLACE TEMP MACRO nth_offence_date(h, j, o_date, disposal_date) AS
  CASE WHEN j = 0 THEN o_date ELSE o_date + days(draw(h, 2) * least(disposal_date - o_date, 60)) END;
CREATE OR REPLACE TEMP MACRO nth_offence_mode(h, j, main_mode, offence_type) AS
  CASE WHEN j = 0 THEN CAST(main_mode AS VARCHAR) ELSE mode_of_trial(offence_type, draw(h, 3)) END;
