// The exact truth: every participant's eleven measures with and without the programme, from the
// same draws. With an effect of 0 the two worlds agree for everybody; with an effect, the world
// "with" is exactly what the register stage measures for the participants' index events (the
// generator computes the measures on its own, so this checks both against each other), and
// effect.json's ATT is the mean difference of the per-person file.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import registerStage from '../../stages/register/stage.ts';
import { Duck } from '../../src/duck.ts';
import { DEMO_PROGRAMME, synthesize, type ProgrammeSpec } from '../../synth/index.ts';
import { POTENTIAL_OUTCOMES_FILE, TRUTH_MEASURES } from '../../synth/request.ts';
import { runStageDirect } from '../helpers/run-stage.ts';
import { REPO } from '../helpers/justice-project.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

const STAGE_URL = new URL('../../stages/register/stage.ts', import.meta.url).href;
type Row = Record<string, unknown>;

async function world(seed: number, effectPp: number): Promise<{ dir: string; programme: ProgrammeSpec }> {
  const dir = testTempDir(`synth-po-${seed}-`);
  const programme: ProgrammeSpec = { ...DEMO_PROGRAMME, id: 'po', cohort: 200, effectPp };
  await synthesize({ dataDir: dir, seed, people: 20_000, programmes: [programme] });
  return { dir, programme };
}

async function readCsv(path: string): Promise<Row[]> {
  const db = await Duck.open({ threads: 1 });
  try {
    return await db.json<Row>('SELECT * FROM read_csv($p, header = true) ORDER BY event_id', { p: path });
  } finally {
    db.close();
  }
}

const value = (x: unknown): number | null => (x === null || x === undefined ? null : Number(x));

test('with an effect of 0 the two potential outcomes agree for every participant on all eleven measures', async () => {
  const { dir } = await world(424242, 0);
  const rows = await readCsv(join(dir, 'truth/po', POTENTIAL_OUTCOMES_FILE));
  assert.is(rows.length, 200);
  let reoffenders = 0;
  for (const r of rows) {
    for (const m of TRUTH_MEASURES) assert.is(value(r[`${m}_with`]), value(r[`${m}_without`]), `${m} of event ${r.event_id}`);
    reoffenders += Number(r.reoff_without);
  }
  assert.ok(reoffenders > 30, 'the world has reoffenders, so the comparison is not vacuous');
  const effect = JSON.parse(readFileSync(join(dir, 'truth/po/effect.json'), 'utf8'));
  for (const m of TRUTH_MEASURES) {
    assert.is(effect.measures[m].att, 0, m);
    assert.is(effect.measures[m].participants_changed, 0, m);
  }
  assert.is((statSync(join(dir, 'truth/po', POTENTIAL_OUTCOMES_FILE)).mode & 0o777).toString(8), '600');
});

test('with an effect, the world "with" is what the register stage measures, and the ATT is the mean difference', async () => {
  const { dir } = await world(535353, -30);
  const rows = await readCsv(join(dir, 'truth/po', POTENTIAL_OUTCOMES_FILE));
  const run = await runStageDirect(registerStage, STAGE_URL, { inputs: { reference: join(dir, 'reference') } });
  const db = await Duck.open({ threads: 1 });
  let events: Map<number, Row>;
  try {
    const ids = new Set(rows.map((r) => Number(r.event_id)));
    const list = await db.json<Row>('SELECT * FROM read_parquet($p)', { p: run.outputs.events! });
    events = new Map(list.filter((r) => ids.has(Number(r.event_id))).map((r) => [Number(r.event_id), r]));
  } finally {
    db.close();
  }
  assert.is(events.size, rows.length, 'every participant event is an index event of the register');
  let changed = 0;
  for (const r of rows) {
    const e = events.get(Number(r.event_id))!;
    for (const m of TRUTH_MEASURES) assert.is(value(r[`${m}_with`]), value(e[m]), `${m} of event ${r.event_id}`);
    if (Number(r.reoff_with) !== Number(r.reoff_without)) changed++;
  }
  assert.ok(changed >= 20, `a -30 pp effect changes many participants' reoffending (${changed})`);
  const effect = JSON.parse(readFileSync(join(dir, 'truth/po/effect.json'), 'utf8'));
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const att = mean(rows.map((r) => Number(r.reoff_with))) - mean(rows.map((r) => Number(r.reoff_without)));
  assert.ok(Math.abs(effect.measures.reoff.att - att) < 1e-9);
  assert.ok(effect.measures.reoff.att < -0.15, `reoffending falls (${effect.measures.reoff.att})`);
  // a reoffender-only measure: each world's mean over its own reoffenders
  const days = (w: 'with' | 'without') => mean(rows.filter((r) => Number(r[`reoff_${w}`]) === 1).map((r) => Number(r[`days_to_first_${w}`])));
  assert.ok(Math.abs(effect.measures.days_to_first.att - (days('with') - days('without'))) < 1e-6);
});

test('npm run synth takes --effect-pp (a negative number after a space too), --period and --request-id, and writes only that programme', () => {
  const dir = testTempDir('synth-cli-');
  const r = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'synth/cli.ts'), '--seed', '99', '--people', '20000', '--request-size', '60',
    '--request-id', 'cli1', '--effect-pp', '-12.5', '--period', '2020-01-01..2020-12-31', '--data-dir', dir], { cwd: REPO, encoding: 'utf8' });
  assert.is(r.status, 0, r.stderr);
  assert.equal(readdirSync(join(dir, 'requests')), ['cli1'], 'a calibration world holds only its own programme');
  const effect = JSON.parse(readFileSync(join(dir, 'truth/cli1/effect.json'), 'utf8'));
  assert.is(effect.effect_pp, -12.5);
  assert.equal(effect.period, { from: '2020-01-01', to: '2020-12-31' });
  assert.is(effect.participants, 60);
  const request = JSON.parse(readFileSync(join(dir, 'requests/cli1/request.json'), 'utf8'));
  assert.equal(request.analysis_period, { from: '2020-01-01', to: '2020-12-31' });
  const bad = spawnSync(process.execPath, ['--import', 'tsx', join(REPO, 'synth/cli.ts'), '--request-size', '60', '--period', '2020-13-01..2020-12-31', '--data-dir', dir], { cwd: REPO, encoding: 'utf8' });
  assert.is(bad.status, 2);
  assert.match(bad.stderr, /--period must be FROM\.\.TO/);
});

test.run();
