// The linkage-model stage: the register's side of the linkage, built once per register build and
// shared by every request (it reads only the register's people and prison numbers, so its cache
// key is the same for all of them): each person's matching keys and blocking columns, the keys
// of every register spelling, name block sizes, term frequencies, the sex of forenames, and the
// Fellegi-Sunter model (u from random register pairs, m the reviewed prior: model.ts). The
// linkage stage reads these instead of recomputing them for each request and each correction.
// Its tables hold the register's own identities, which the service holds legitimately: they are
// not a request's data, so a request's purge leaves them and the audit treats them like the
// register folder they come from (a function of the register alone reveals nothing about who
// was in a cohort).
import { join } from 'node:path';
import { defineStage, type Json } from '../../src/stage.ts';
import { NAME_VARIANTS_FILE, REGISTER_SQL, keyRegister, registerModel, writeJson } from './link.ts';

const registerTable = (description: string) => ({ format: 'parquet' as const, classification: 'personal' as const, description });

export default defineStage({
  name: 'linkage-model',
  description: 'The register side of the linkage, once per register build: matching keys, name frequencies and the Fellegi-Sunter model',
  inputs: {
    people: 'file:data/reference/people.parquet',
    prisonNumbers: 'file:data/reference/prison_numbers.parquet',
  },
  outputs: {
    register: registerTable('One row per register person: normalised names, phonetic codes, date of birth, gender, PNC id, blocking columns'),
    nameKeys: registerTable('One row per normalised register name: letters only, parts, first part, phonetic codes'),
    prisonNumbers: registerTable('Register ids and their prison numbers, normalised'),
    forenameSex: registerTable('First forenames the register knows (almost) only for one sex'),
    nameBlockSizes: registerTable('How many register people share each name and sound key'),
    frequencies: registerTable('Share of register people with each surname and forename spelling'),
    model: {
      format: 'json',
      classification: 'aggregate',
      description: 'The Fellegi-Sunter model: m (prior) and u (random register pairs) of each comparison level',
    },
  },
  code: ['load-register.sql', 'write-register.sql', ...REGISTER_SQL, NAME_VARIANTS_FILE, 'model.ts', 'link.ts'],
  // Every output is sorted before it is written; u is counted, not summed in floating point.
  duckdb: { threads: 2 },
  async run({ db, inputs, outputs, dir, log }) {
    await db.file(join(dir, 'load-register.sql'), { people: inputs.people!, prison_numbers: inputs.prisonNumbers! });
    const say = (m: string) => log.info(m);
    await keyRegister(db, dir, say);
    const model = await registerModel(db, dir, say);
    await db.file(join(dir, 'write-register.sql'), {
      register: outputs.register!, name_keys: outputs.nameKeys!, prison_numbers: outputs.prisonNumbers!,
      forename_sex: outputs.forenameSex!, name_block_sizes: outputs.nameBlockSizes!, frequencies: outputs.frequencies!,
    });
    await writeJson(outputs.model!, model as unknown as Json);
    return { summary: { register_people: model.training.right_records, random_pairs: model.training.random_pairs } };
  },
});
