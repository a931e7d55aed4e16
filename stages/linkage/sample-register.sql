-- Random pairs for the u probabilities (how often two different people agree by chance), from the
-- register alone (the linkage-model stage: the model depends on the register build only): two
-- fixed-size samples of different people, chosen by a hash of each record's content (not its
-- position), crossed in random-pairs.sql. (The register keeps no digits of the date of birth:
-- they are made here and for blocked pairs only.)
CREATE TABLE sample_left AS
SELECT rid AS id, sn, fn, dob, dob_digits(dob) AS dd, gender FROM register
ORDER BY hash(sn, fn, dob_digits(dob), gender), rid LIMIT $u_sample;

CREATE TABLE sample_right AS
SELECT rid AS id, sn, fn, dob, dob_digits(dob) AS dd, gender FROM register ANTI JOIN sample_left l ON l.id = register.rid
ORDER BY hash(sn, fn, dob_digits(dob), gender), rid LIMIT $u_sample;
