// Scale guard: every join in the linkage and register SQL must be an equality (hash) join. A
// nested-loop or cross-product plan is fine on a test's few rows and hopeless on a national
// register (one such join in the register stage once took 278 s on 50,000 people), so the plan of
// each statement is checked on small hand-made data before it runs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duck, splitStatements, type Params } from '../../src/duck.ts';
import registerStage from '../../stages/register/stage.ts';
import { runStageDirect } from '../helpers/run-stage.ts';
import { writeHandRegister } from '../register/hand-register.ts';
import { writeCohort, writeRequest } from './hand-cohort.ts';

const LINKAGE_DIR = fileURLToPath(new URL('../../stages/linkage/', import.meta.url));
const REGISTER_DIR = fileURLToPath(new URL('../../stages/register/', import.meta.url));
const BAD_OPERATORS = ['CROSS_PRODUCT', 'NESTED_LOOP_JOIN', 'BLOCKWISE_NL_JOIN', 'PIECEWISE_MERGE_JOIN', 'IE_JOIN'];

/** Run a .sql file statement by statement, collecting the bad operators of each plan first. */
async function runChecked(db: Duck, path: string, params: Params, found: string[]): Promise<void> {
  for (const statement of splitStatements(readFileSync(path, 'utf8'))) {
    const used: Params = {};
    for (const name of Object.keys(params)) if (new RegExp(`\\$${name}\\b`).test(statement)) used[name] = params[name]!;
    if (/^(CREATE (TEMP )?TABLE|COPY)/i.test(statement)) {
      const plan = (await db.all<{ explain_value: string }>(`EXPLAIN ${statement}`, used)).map((r) => r.explain_value).join('\n');
      for (const op of BAD_OPERATORS) if (plan.includes(op)) found.push(`${path.split('/').slice(-2).join('/')}: ${op} in "${statement.slice(0, 60).replace(/\s+/g, ' ')}…"`);
    }
    await db.run(statement, used);
  }
}

const PEOPLE = [
  { register_id: 1, forename: 'William', surname: 'Baker', dob: '1988-02-28', pnc_id: '2004/0123456X' },
  { register_id: 2, forename: 'Sarah', surname: 'Palmer', dob: '1992-10-31', gender: 'F' },
];

async function handWorld() {
  const ref = await writeHandRegister({
    people: PEOPLE,
    disposals: [
      { disposal_id: 10, register_id: 1, disposal_date: '2018-03-01', disposal_type: 'community', sentence_months: 12 },
      { disposal_id: 11, register_id: 1, disposal_date: '2018-09-01', disposal_type: 'fine' },
      { disposal_id: 20, register_id: 2, disposal_date: '2017-03-01', disposal_type: 'custody', sentence_months: 12, release_date: '2017-09-01' },
    ],
    offences: [
      { offence_id: 1, register_id: 1, disposal_id: 10, offence_date: '2018-01-01' },
      { offence_id: 2, register_id: 1, disposal_id: 11, offence_date: '2018-08-01' },
      { offence_id: 3, register_id: 2, disposal_id: 20, offence_date: '2017-01-01' },
    ],
    spells: [{ register_id: 1, spell_type: 'employment', start_date: '2017-01-01', end_date: null }],
    assessments: [{ register_id: 2, assessment_date: '2017-02-01', ogrs: 40 }],
    prisonNumbers: [{ register_id: 2, prison_number: 'A1234BC', first_used: '2017-03-01' }],
    extractDate: '2022-01-01',
  });
  return ref;
}

test('register SQL: only equality joins', async () => {
  const ref = await handWorld();
  const db = await Duck.open({ threads: 1 });
  // An ASOF join with fewer than 64 rows on its left runs as a nested loop; a national register
  // never does, so the plans are checked as they are at scale.
  await db.run('SET asof_loop_join_threshold = 0');
  const found: string[] = [];
  try {
    const params: Params = {
      people: join(ref, 'people.parquet'), disposals: join(ref, 'disposals.parquet'), offences: join(ref, 'offences.parquet'),
      spells: join(ref, 'spells.parquet'), assessments: join(ref, 'assessments.parquet'), extract_date: '2022-01-01', out: join(ref, 'events.parquet'),
    };
    for (const file of ['load.sql', 'integrity.sql', 'index-events.sql', 'history.sql', 'outcomes.sql', 'events.sql']) await runChecked(db, join(REGISTER_DIR, file), params, found);
  } finally {
    db.close();
  }
  assert.equal(found, []);
});

test('linkage SQL: only equality joins (no cohort x register product)', async () => {
  const ref = await handWorld();
  const reg = await runStageDirect(registerStage, new URL('../../stages/register/stage.ts', import.meta.url).href, { inputs: { reference: ref } });
  const cohort = await writeCohort(ref, [
    { row: 2, forename: 'Bill', surname: 'Baker', dob: '1988-02-28', intervention_start_date: '2018-04-01' },
    { row: 3, forename: 'Sarah', surname: 'Palmer', dob: '1992-10-13', gender: 'F', prison_number: 'A1234BC', intervention_start_date: '2017-06-01' },
  ]);
  writeRequest(ref, '2017-01-01', '2019-12-31');
  const db = await Duck.open({ threads: 1 });
  const found: string[] = [];
  try {
    const params: Params = {
      cohort, people: join(ref, 'people.parquet'), prison_numbers: join(ref, 'prison_numbers.parquet'),
      events: reg.outputs.events!, disposals: join(ref, 'disposals.parquet'), name_variants: join(LINKAGE_DIR, 'name-variants.csv'),
      with_events: true, period_from: '2017-01-01', period_to: '2019-12-31',
      tf_source: 'register', u_source: 'register', u_sample: 10, name_block_cap: 50,
      tf_floor: 1e-6, swap_penalty: 1, prior_bits: -10, date_bits: 4, date_bits_strong: 8, pnc_near_bits: 10, pnc_conflict_bits: 10,
      pn_conflict_bits: 3, date_none_bits: 4, no_match_mass: 0.05, threshold: 0.95,
    };
    // the register's side (the linkage-model stage), then the cohort's rows (the linkage stage)
    for (const file of ['load-register.sql', 'macros.sql', 'variants.sql', 'register-spellings.sql', 'name-keys.sql', 'register-keys.sql', 'frequencies.sql',
      'load-cohort.sql', 'memo-fresh.sql', 'cohort-spellings.sql', 'name-keys.sql', 'cohort-keys.sql', 'candidates.sql', 'blocked-pairs.sql',
      'sample-register.sql', 'random-pairs.sql', 'compare.sql']) await runChecked(db, join(LINKAGE_DIR, file), params, found);
    // the model's weights, as link.ts loads them
    await db.run(`CREATE TABLE model_weights AS SELECT * FROM (VALUES ('forename', 6, 0.9, 8.0), ('surname', 6, 0.9, 8.0), ('dob', 5, 0.9, 12.0)) t(comparison, level, m, log2_bf)`);
    for (const file of ['score.sql', 'load-events.sql', 'event-evidence.sql', 'evidence.sql', 'memo-merge.sql', 'row-evidence.sql', 'decide.sql', 'index-event.sql']) {
      await runChecked(db, join(LINKAGE_DIR, file), params, found);
    }
    const linked = await db.one<{ n: number }>("SELECT count(*)::INTEGER AS n FROM links WHERE status = 'linked'");
    assert.ok(linked!.n >= 1, 'the statements ran to the end and linked');
  } finally {
    db.close();
  }
  assert.equal(found, []);
});

test.run();
