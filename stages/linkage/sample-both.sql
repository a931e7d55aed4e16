-- Random pairs for the u probabilities in a two-file link (`link`): one fixed-size sample from
-- each file, chosen by a hash of each record's content (not its position or role), crossed in
-- random-pairs.sql.
CREATE TABLE sample_left AS
SELECT row::BIGINT AS id, sn, fn, dob, dd, gender FROM cohort
ORDER BY hash(sn, fn, dd, gender), id LIMIT $u_sample;

CREATE TABLE sample_right AS
SELECT rid AS id, sn, fn, dob, dob_digits(dob) AS dd, gender FROM register
ORDER BY hash(sn, fn, dob_digits(dob), gender), rid LIMIT $u_sample;
