// The psm command on the Lalonde data (read in place from ../shared/benchmarks, never copied):
// the model converges and matching improves balance, for both methods.
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tableFromIPC } from 'apache-arrow';
import { runPsmCommand } from './capture.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

// ../shared sits beside the clone, as in CI.
const LALONDE = fileURLToPath(new URL('../../../shared/benchmarks/lalonde/lalonde.csv', import.meta.url));
const COVARIATES = 'age,educ,race,married,nodegree,re74,re75';
const dir = testTempDir('psm-lalonde-');

interface Row {
  covariate: string;
  before: { smd: number };
  after: { smd: number };
}

test('caliper matching (default): converges, balance improves, counts add up, matched set written', async () => {
  if (!existsSync(LALONDE)) return console.log('skipped: no lalonde.csv');
  const out = join(dir, 'caliper.arrow');
  const r = await runPsmCommand(['--input', LALONDE, '--treatment', 'treat', '--covariates', COVARIATES, '--id', 'rownames', '--out', out, '--json']);
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.is(j.model.converged, true);
  assert.is(j.model.n, 614);
  assert.is(j.model.treated, 185);
  assert.ok(j.model.iterations <= 10);
  // race reference level: white (299 rows, the most frequent).
  assert.equal(j.model.terms.find((t: { name: string }) => t.name === 'race').reference, 'white');
  const rows: Row[] = j.balance.covariates;
  const meanAbs = (k: 'before' | 'after') => rows.reduce((s, x) => s + Math.abs(x[k].smd), 0) / rows.length;
  assert.ok(j.balance.max_abs_smd_after < j.balance.max_abs_smd_before / 3, `max |SMD| ${j.balance.max_abs_smd_before} -> ${j.balance.max_abs_smd_after}`);
  assert.ok(meanAbs('after') < meanAbs('before') / 3);
  const poorBefore = rows.filter((x) => Math.abs(x.before.smd) > 0.1).length;
  assert.ok(j.balance.flags.poor < poorBefore / 3, `poorly balanced: ${poorBefore} -> ${j.balance.flags.poor}`);
  const c = j.matching.counts;
  assert.is(c.treated_matched + c.treated_off_support, 185);
  const table = tableFromIPC(readFileSync(out));
  assert.equal(table.schema.fields.map((f) => f.name), ['rownames', 'treated', 'weight', 'score']);
  const treated = table.getChild('treated')!.toArray() as Int32Array;
  const weight = table.getChild('weight')!.toArray() as Float64Array;
  let nt = 0, wc = 0;
  for (let i = 0; i < table.numRows; i++) treated[i] ? nt++ : (wc += weight[i]!);
  assert.is(nt, c.treated_matched);
  assert.ok(Math.abs(wc - nt) < 1e-9);
  assert.is(table.numRows - nt, c.comparison_matched);
});

test('nearest 1:1 without replacement: every treated unit gets one distinct comparator; balance improves', async () => {
  if (!existsSync(LALONDE)) return;
  const r = await runPsmCommand(['--input', LALONDE, '--treatment', 'treat', '--covariates', COVARIATES, '--method', 'nearest', '--json']);
  assert.is(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.equal(j.matching.counts, { treated: 185, treated_matched: 185, treated_off_support: 0, comparison: 429, comparison_matched: 185 });
  assert.ok(j.balance.max_abs_smd_after < j.balance.max_abs_smd_before);
  // Text output prints the three parts.
  const text = await runPsmCommand(['--input', LALONDE, '--treatment', 'treat', '--covariates', COVARIATES, '--method', 'nearest', '--ratio', '2', '--replace', '--exact', 'married']);
  assert.is(text.code, 0, text.stderr);
  assert.match(text.stdout, /Propensity model: logistic regression, 614 rows/);
  assert.match(text.stdout, /SMD before/);
  assert.match(text.stdout, /nearest neighbour 1:2 with replacement on the logit, exact on married/);
  assert.match(text.stdout, /married=1/);
});

test('usage errors exit 2, data that cannot be modelled exits 1 with the covariate named', async () => {
  if (!existsSync(LALONDE)) return;
  let r = await runPsmCommand(['--input', LALONDE, '--treatment', 'treat']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--covariates are required/);
  r = await runPsmCommand(['--input', join(dir, 'missing.csv'), '--treatment', 'treat', '--covariates', 'age']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /cannot read .*missing\.csv as a CSV table/);
  r = await runPsmCommand(['--input', LALONDE, '--treatment', 'treat', '--covariates', 'age,nope']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /column 'nope' is not in/);
  r = await runPsmCommand(['--input', LALONDE, '--treatment', 'treat', '--covariates', 'age,re78,rownames']);
  assert.is(r.code, 1);
  assert.match(r.stderr, /factor “rownames” has 614 levels/);
  assert.not.match(r.stderr, /NSW1/);
  r = await runPsmCommand(['--input', LALONDE, '--treatment', 'treat', '--covariates', 'age,educ,married,nodegree,re74,re75,race', '--caliper', '0']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--caliper must be a positive number/);
});

test('a Parquet copy of the table gives the same model, balance and matches as the CSV', async () => {
  if (!existsSync(LALONDE)) return;
  const { Duck } = await import('../../src/duck.ts');
  const parquet = join(dir, 'lalonde.parquet');
  const db = await Duck.open({ threads: 1 });
  try {
    await db.run(`COPY (SELECT * FROM read_csv('${LALONDE}')) TO '${parquet}' (FORMAT parquet)`);
  } finally {
    db.close();
  }
  const args = ['--treatment', 'treat', '--covariates', COVARIATES, '--exact', 'married', '--json'];
  const a = await runPsmCommand(['--input', LALONDE, ...args, '--out', join(dir, 'a.arrow')]);
  const b = await runPsmCommand(['--input', parquet, ...args, '--out', join(dir, 'b.arrow')]);
  assert.is(a.code, 0, a.stderr);
  assert.is(b.code, 0, b.stderr);
  assert.is(a.stdout, b.stdout);
  assert.ok(readFileSync(join(dir, 'a.arrow')).equals(readFileSync(join(dir, 'b.arrow'))), 'same matched set, byte for byte');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
