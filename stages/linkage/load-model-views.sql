-- The linkage-model stage's register tables read in place rather than loaded (load-model.sql):
-- when only a few rows are linked again (a correction), scanning the few columns each join needs
-- costs less than loading five million people. Same tables, same results. (A view cannot take a
-- bound parameter: the paths go through variables.)
SET VARIABLE register_file = $register;
SET VARIABLE prison_numbers_file = $prison_numbers;
SET VARIABLE name_block_sizes_file = $name_block_sizes;
SET VARIABLE frequencies_file = $frequencies;
CREATE VIEW register AS FROM read_parquet(getvariable('register_file'));
CREATE TABLE name_keys AS FROM read_parquet($name_keys);
CREATE TABLE raw_keys (raw VARCHAR, norm VARCHAR, first_part VARCHAR, phon VARCHAR, phon_first VARCHAR);
CREATE VIEW register_prison_numbers AS FROM read_parquet(getvariable('prison_numbers_file'));
CREATE TABLE forename_sex AS FROM read_parquet($forename_sex);
CREATE VIEW name_block_sizes AS FROM read_parquet(getvariable('name_block_sizes_file'));
CREATE VIEW tf_surname AS SELECT compact, tf FROM read_parquet(getvariable('frequencies_file')) WHERE field = 'surname';
CREATE VIEW tf_forename AS SELECT compact, tf FROM read_parquet(getvariable('frequencies_file')) WHERE field = 'forename';
