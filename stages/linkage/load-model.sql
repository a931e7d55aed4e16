-- The linkage stage's register side, as the linkage-model stage built it once for this register
-- build: people's keys and blocking columns, the keys of every register spelling (a cohort
-- spelling the register has is not normalised again), prison numbers, the sex of forenames,
-- name block sizes and term frequencies.
CREATE TABLE register AS FROM read_parquet($register);
CREATE TABLE name_keys AS FROM read_parquet($name_keys);
CREATE TABLE raw_keys (raw VARCHAR, norm VARCHAR, first_part VARCHAR, phon VARCHAR, phon_first VARCHAR);
CREATE TABLE register_prison_numbers AS FROM read_parquet($prison_numbers);
CREATE TABLE forename_sex AS FROM read_parquet($forename_sex);
CREATE TABLE name_block_sizes AS FROM read_parquet($name_block_sizes);
CREATE TABLE tf_surname AS SELECT compact, tf FROM read_parquet($frequencies) WHERE field = 'surname';
CREATE TABLE tf_forename AS SELECT compact, tf FROM read_parquet($frequencies) WHERE field = 'forename';
