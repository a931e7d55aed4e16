-- The linkage-model stage's outputs, each in a fixed order (same register, same bytes).
COPY (SELECT * FROM register ORDER BY rid) TO $register (FORMAT parquet);
COPY (SELECT * FROM name_keys ORDER BY norm) TO $name_keys (FORMAT parquet);
COPY (SELECT rid, pn FROM register_prison_numbers ORDER BY rid, pn) TO $prison_numbers (FORMAT parquet);
COPY (SELECT fn1, sex FROM forename_sex ORDER BY fn1) TO $forename_sex (FORMAT parquet);
COPY (SELECT kind, k1, k2, n FROM name_block_sizes ORDER BY kind, k1, k2) TO $name_block_sizes (FORMAT parquet);
COPY (SELECT 'surname' AS field, compact, tf FROM tf_surname UNION ALL SELECT 'forename', compact, tf FROM tf_forename ORDER BY field, compact)
  TO $frequencies (FORMAT parquet);
