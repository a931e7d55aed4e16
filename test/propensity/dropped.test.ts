// Constant and collinear covariates are left out of the propensity model with a note, never a
// failure: on the model level (psm.ts), and through the whole pipeline for a request whose
// analysis period lies within one calendar year (index_year has one level).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Design } from '../../stages/propensity/design.ts';
import { DEFAULT_OPTIONS, modelJson, runPsm } from '../../stages/propensity/psm.ts';
import { sharedFloat64, sharedUint8 } from '../../src/parallel.ts';
import { DEMO_PROGRAMME, synthesize } from '../../synth/index.ts';
import { pipeline, REPO } from '../helpers/justice-project.ts';
import { rng } from './random.ts';

/** A design by hand: age and prior counts drive treatment; `always3` is constant, `twice_age` = 2 x age. */
function design(): Design {
  const n = 2000;
  const u = rng(19);
  const treat = sharedUint8(n);
  const age = sharedFloat64(n), prior = sharedFloat64(n), always3 = sharedFloat64(n), twice = sharedFloat64(n);
  for (let i = 0; i < n; i++) {
    age[i] = 18 + Math.floor(u() * 50);
    prior[i] = Math.floor(u() * 12);
    always3[i] = 3;
    twice[i] = 2 * age[i]!;
    const p = 1 / (1 + Math.exp(-(-2 - 0.03 * (age[i]! - 30) + 0.5 * Math.log1p(prior[i]!))));
    treat[i] = u() < p ? 1 : 0;
  }
  const names = ['age', 'always3', 'prior', 'twice_age'];
  const columns = [age, always3, prior, twice];
  return {
    n, treat, columns, names,
    terms: names.map((name, j) => ({ name, kind: 'numeric' as const, columns: [j] })),
    stratum: new Int32Array(n), strata: ['(all)'], ids: null,
    exclusions: { missing: { treated: 0, comparison: 0, byCovariate: {} }, pruned: { treated: 0, comparison: 0, byFactor: {} }, outsideRange: { comparison: 0, byCovariate: {} } },
  };
}

test('a constant and a collinear covariate are dropped with a note naming them; the rest is fitted', () => {
  const d = design();
  const options = { ...DEFAULT_OPTIONS, dropAliased: true, model: { age: ['spline' as const], prior: ['log1p' as const, 'any' as const] } };
  const result = runPsm(d, options);
  assert.equal(result.dropped.map((x) => [x.column, x.reason]), [['always3', 'constant'], ['twice_age', 'collinear']]);
  assert.equal(result.dropped[1]!.with, ['age']);
  const model = modelJson(d, result, options).model;
  assert.ok(model.notes.some((n) => n.includes('“always3”') && n.includes('same value')), model.notes.join('\n'));
  assert.ok(model.notes.some((n) => n.includes('“twice_age”') && n.includes('“age”')), model.notes.join('\n'));
  const fitted = model.coefficients.map((c) => c.name);
  assert.ok(!fitted.includes('always3') && !fitted.includes('twice_age'));
  assert.ok(fitted.includes('log1p(prior)') && fitted.includes('prior>0') && fitted.includes('age:rcs1'), fitted.join(', '));
  assert.is(model.converged, true);
  // without dropAliased (the psm command's default) the same design is still an error naming the column
  assert.throws(() => runPsm(d, { ...options, dropAliased: false }), /“always3”/);
});

test('a request whose analysis period lies within one calendar year runs to a report', async () => {
  // inside the repo (git-ignored .tmp/), where the CLI's child process finds node_modules
  mkdirSync(join(REPO, '.tmp'), { recursive: true });
  const world = mkdtempSync(join(REPO, '.tmp', 'one-year-'));
  try {
    const programme = { ...DEMO_PROGRAMME, id: 'oneyear', cohort: 150, effectPp: -5, period: { from: '2020-01-01', to: '2020-12-31' } };
    await synthesize({ dataDir: world, seed: 1919, people: 40_000, programmes: [programme] });
    // a scratch project on this world: the repo's stages, the world's register and request
    const root = join(world, 'project');
    mkdirSync(join(root, 'data', 'requests'), { recursive: true });
    symlinkSync(join(world, 'reference'), join(root, 'data', 'reference'));
    cpSync(join(world, 'requests', 'oneyear'), join(root, 'data', 'requests', 'oneyear'), { recursive: true });
    writeFileSync(
      join(root, 'pipeline.config.ts'),
      `import base from '${REPO}pipeline.config.ts';
import { resolve } from 'node:path';
export default {
  ...base,
  stages: base.stages.map((s) => typeof s === 'string' ? resolve('${REPO}', s) : { ...s, module: resolve('${REPO}', s.module) }),
  commands: Object.fromEntries(Object.entries(base.commands ?? {}).map(([n, m]) => [n, resolve('${REPO}', m)])),
};
`,
    );
    const r = pipeline(root, ['--request', 'oneyear']);
    assert.is(r.status, 0, r.stderr + r.stdout);
    assert.match(r.stdout, /“index_year” has only one level/);
    const runs = join(root, 'data', 'runs', 'oneyear');
    const record = JSON.parse(readFileSync(join(runs, readdirSync(runs).filter((f) => f.endsWith('.json'))[0]!), 'utf8'));
    assert.is(record.status, 'ok');
    assert.is(record.stages.report.status, 'ran', 'the report stage ran');
    const balance = JSON.parse(readFileSync(join(root, 'data/store/objects', record.stages.propensity.outputs.balance.hash), 'utf8'));
    assert.ok(balance.model_notes.some((n: string) => n.includes('“index_year”')), 'the note reaches the balance output the report reads');
  } finally {
    rmSync(world, { recursive: true, force: true });
  }
});

test.run();
