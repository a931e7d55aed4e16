import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeToyProject, removeToyProjects, runToy, writePeople, edit, SRC } from '../helpers/toy-dag.ts';
import diffCmd from '../../src/commands/diff.ts';
import { diffRuns, runsInOrder, type RunDiff } from '../../src/diff.ts';
import { capture, runCommand, toyProject } from './capture.ts';

// Toy projects live in the repo's .tmp/; removed when this file's tests are done.
test.after(removeToyProjects);

type Row = [number, string, number];
const BEFORE: Row[] = [[1, 'Ada', 12], [2, 'Bea', 55], [3, 'Cal', 70], [4, 'Dee', 5]];
// One row changed: Cal's name and score (out of the high band). Names are long and unusual so
// that finding them in output cannot be a coincidence.
const AFTER: Row[] = [[1, 'Ada', 12], [2, 'Bea', 55], [3, 'Calloway', 43], [4, 'Dee', 5]];
const MIN_SCORE = 10; // the toy's clean stage param

/** The summary stage's counts, computed here from the rows, independently of the pipeline. */
function bands(rows: Row[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [, , score] of rows) if (score >= MIN_SCORE) out[score >= 50 ? 'high' : 'low'] = (out[score >= 50 ? 'high' : 'low'] ?? 0) + 1;
  return out;
}

async function twoRuns(after: Row[] = AFTER): Promise<string> {
  const root = makeToyProject();
  writePeople(root, '123', BEFORE);
  assert.ok((await runToy(root)).outcome.ok);
  writePeople(root, '123', after);
  assert.ok((await runToy(root)).outcome.ok);
  return root;
}

const diff = async (root: string, ...args: string[]) => capture(async () => runCommand(diffCmd, root, ['--request', '123', ...args]));

test('a one-row change: diff names the changed row key and columns with counts, and the metric deltas', async () => {
  const root = await twoRuns();
  const r = await diff(root);
  assert.is(r.code, 0, 'without --exit-code the exit code is 0');
  const text = r.stdout;
  // The changed row: its key (the provider's row id, a whole number, may be shown) and the columns.
  const changedIds = AFTER.filter((a) => { const b = BEFORE.find((x) => x[0] === a[0])!; return b[1] !== a[1] || b[2] !== a[2]; }).map((a) => a[0]);
  assert.equal(changedIds, [3]);
  assert.match(text, /rows 3 -> 3: 0 added, 0 removed, 1 changed, 2 unchanged \(by key id\)/);
  assert.match(text, /changed columns: name \(1 row\), score \(1 row\)/);
  assert.match(text, new RegExp(`changed id=${changedIds[0]} \\(position \\d+ -> \\d+\\): name, score`));
  // Metric deltas: the band counts, checked against counts computed here.
  const [b, a] = [bands(BEFORE), bands(AFTER)];
  for (const band of ['high', 'low']) {
    if (b[band] === a[band]) continue;
    const delta = a[band]! - b[band]!;
    assert.match(text, new RegExp(`\\$\\[band=${band}\\]\\.n: ${b[band]} -> ${a[band]} \\(${delta > 0 ? '\\+' : ''}${delta}, `));
  }
  // The independent stage did not change: reported by hash.
  assert.match(text, /copy \(csv, aggregate\): unchanged \(same hash\)/);
  assert.match(text, /3 outputs differ/);
});

test('an output unchanged by hash is reported without reading its bytes', async () => {
  const root = await twoRuns();
  const project = await toyProject(root);
  const ids = runsInOrder(project.records, '123');
  const other = project.records.read('123', ids[1]!).stages.other!.outputs!.copy!;
  // Delete the blob: if diff tried to read it, it would report it missing.
  rmSync(project.store.blobPath(other.hash), { force: true });
  const d = await diffRuns(project, '123', ids[0]!, ids[1]!);
  const copy = d.stages.find((s) => s.stage === 'other')!.outputs[0]!;
  assert.is(copy.state, 'unchanged');
});

test('personal values are never printed without --show-personal, in text, JSON or HTML; they are with it', async () => {
  const root = await twoRuns();
  const html = join(root, 'review.html');
  const hidden = await diff(root, '--html', html);
  const hiddenJson = await diff(root, '--json');
  const changed = AFTER[2]!;
  const was = BEFORE[2]!;
  for (const [form, text] of [['text', hidden.stdout], ['json', hiddenJson.stdout], ['html', readFileSync(html, 'utf8')]] as const) {
    assert.not.ok(text.includes(changed[1]), `${form}: the new name is not shown`);
    assert.not.ok(text.includes(`"${was[1]}"`) || text.includes(`${was[1]} ->`), `${form}: the old name is not shown`);
    assert.not.ok(new RegExp(`\\b${was[2]}\\b.*\\b${changed[2]}\\b`).test(text), `${form}: the old and new scores are not shown`);
  }
  assert.match(hidden.stdout, /personal data: cell values hidden; --show-personal shows them/);
  assert.equal(statSync(html).mode & 0o777, 0o600, 'owner-only like every file the tool writes (README, data protection)');

  const shown = await diff(root, '--show-personal', '--html', html);
  assert.match(shown.stdout, new RegExp(`name "${was[1]}" -> "${changed[1]}", score ${was[2]} -> ${changed[2]}`));
  const page = readFileSync(html, 'utf8');
  assert.ok(page.includes(changed[1]), 'the page shows the value when asked');
  assert.equal(statSync(html).mode & 0o777, 0o600, 'a page with personal values is owner-only');
  assert.not.ok(/<script|https?:\/\//.test(page), 'the page is self-contained');
});

test('added rows are named by key; --exit-code is 1 with differences and 0 without; --json parses', async () => {
  const root = await twoRuns([...BEFORE, [5, 'Eustacia', 99]]);
  const withCode = await diff(root, '--exit-code');
  assert.is(withCode.code, 1);
  assert.match(withCode.stdout, /1 added, 0 removed, 0 changed, 3 unchanged/);
  assert.match(withCode.stdout, /added id=5 \(position 4\)/);
  assert.not.ok(withCode.stdout.includes('Eustacia'));

  const json = await diff(root, '--json', '--stage', 'clean');
  const parsed = JSON.parse(json.stdout) as RunDiff;
  assert.equal(parsed.stages.map((s) => s.stage), ['clean']);
  const table = parsed.stages[0]!.outputs[0]!.table!;
  assert.equal(table.examples.added.map((a) => a.key), [{ id: 5 }]);
  assert.is(table.examples.added[0]!.values, undefined);

  // A third run with nothing changed: the latest two runs have no differences.
  await runToy(root);
  const none = await diff(root, '--exit-code');
  assert.is(none.code, 0, none.stdout);
  assert.match(none.stdout, /no differences/);
  // Explicit runs (prefixes accepted) still show the earlier change.
  const project = await toyProject(root);
  const ids = runsInOrder(project.records, '123');
  const explicit = await diff(root, '--exit-code', ids[0]!, ids[1]!.slice(0, -1));
  assert.is(explicit.code, 1);
});

test('a purged or missing blob is reported as such, not an error', async () => {
  const root = await twoRuns();
  const project = await toyProject(root);
  const ids = runsInOrder(project.records, '123');
  const first = project.records.read('123', ids[0]!).stages.clean!.outputs!.table!;
  rmSync(project.store.blobPath(first.hash), { force: true });
  const r = await diff(root, '--exit-code');
  assert.is(r.code, 1);
  assert.match(r.stdout, /table \(parquet, personal\): changed \(hash differs\); bytes not compared: the first run's copy is missing from the store/);
  assert.match(r.stdout, /\$\[band=/, 'the other outputs are still compared');
});

test('arrow and csv outputs: rows by key through apache-arrow; schema changes and keyless whole-row comparison for csv', async () => {
  const root = makeToyProject();
  writePeople(root, '123', BEFORE);
  // An extra aggregate stage writing Arrow IPC, keyed by id, so its values may be shown.
  writeFileSync(join(root, 'stages/arrowy.ts'), `
import { writeFileSync } from 'node:fs';
import { Int32, Float64, makeVector, tableFromArrays, tableToIPC } from 'apache-arrow';
import { defineStage } from '${SRC}stage.ts';
export default defineStage({
  name: 'arrowy',
  inputs: { table: 'clean.table' },
  outputs: { scores: { format: 'arrow', classification: 'aggregate', key: ['id'] } },
  async run({ db, inputs, outputs }) {
    const rows = await db.all<{ id: number; score: number }>('SELECT id::INTEGER AS id, score::DOUBLE AS score FROM read_parquet($p) ORDER BY id', { p: inputs.table! });
    const table = tableFromArrays({ id: Int32Array.from(rows.map((r) => r.id)), score: Float64Array.from(rows.map((r) => r.score / 2)) });
    writeFileSync(outputs.scores!, tableToIPC(table, 'file'));
  },
});
`);
  edit(root, 'pipeline.config.ts', "'./stages/other.ts']", "'./stages/other.ts', './stages/arrowy.ts']");
  assert.ok((await runToy(root)).outcome.ok);
  writePeople(root, '123', AFTER);
  writeFileSync(join(root, 'inputs/shared.csv'), 'k,v,w\n1,a,x\n2,c,y\n');
  assert.ok((await runToy(root)).outcome.ok);

  const r = await diff(root);
  const arrowPart = r.stdout.slice(r.stdout.indexOf('scores (arrow, aggregate)'));
  assert.match(arrowPart, /rows 3 -> 3: 0 added, 0 removed, 1 changed, 2 unchanged \(by key id\)/);
  assert.match(arrowPart, new RegExp(`changed id=3 \\(position 3 -> 3\\): score ${BEFORE[2]![2] / 2} -> ${AFTER[2]![2] / 2}`));
  assert.match(arrowPart, new RegExp(`score \\(1 row, max \\|delta\\| ${Math.abs(BEFORE[2]![2] - AFTER[2]![2]) / 2}\\)`));

  const csvPart = r.stdout.slice(r.stdout.indexOf('copy (csv, aggregate)'));
  assert.match(csvPart, /schema: \+ w VARCHAR/);
  // Rows (1,a) and (2,b) -> (1,a) and (2,c) over the common columns k, v: one removed, one added.
  assert.match(csvPart, /rows 2 -> 2: 1 added, 1 removed, compared as whole rows \(the output declares no key\)/);
  assert.match(csvPart, /added: \{"k":"2","v":"c"\}/);
  assert.match(csvPart, /removed: \{"k":"2","v":"b"\}/);
});

test('a column whose type changed is reported in the schema; equal numbers of another type are not changed values', async () => {
  const root = makeToyProject();
  writePeople(root, '123', BEFORE);
  assert.ok((await runToy(root)).outcome.ok);
  edit(root, 'stages/clean.sql', 'SELECT id, name, score FROM', 'SELECT id, name, score::DOUBLE AS score, 1 AS flag FROM');
  assert.ok((await runToy(root)).outcome.ok);
  const r = await diff(root, '--stage', 'clean');
  assert.match(r.stdout, /clean \(ran\): code file stages\/clean\.sql changed/);
  assert.match(r.stdout, /schema: \+ flag INTEGER; score BIGINT -> DOUBLE/);
  assert.match(r.stdout, /rows 3 -> 3: 0 added, 0 removed, 0 changed, 3 unchanged \(by key id\)/);
});

test('json metric deltas within tolerance do not count as differences; beyond it they do', async () => {
  const { diffJsonValues } = await import('../../src/diff.ts');
  const before = { metrics: [{ measure: 'reoff', diff: 0.1 + 0.2, n: 100 }, { measure: 'freq', diff: 1.5, n: 100 }] };
  const after = { metrics: [{ measure: 'freq', diff: 1.75, n: 100 }, { measure: 'reoff', diff: 0.3, n: 100 }] };
  const d = diffJsonValues(before, after, { abs: 1e-12, rel: 1e-9 }, 10, true);
  // Elements are matched by their label, not their position: only the two diffs differ.
  assert.equal(d.shown.map((c) => c.path), ['$.metrics[measure=freq].diff', '$.metrics[measure=reoff].diff']);
  assert.is(d.beyondTolerance, 1);
  assert.is(d.withinTolerance, 1);
  assert.is(d.shown[0]!.delta, 1.75 - 1.5);
  assert.is(d.shown[0]!.relative, (1.75 - 1.5) / 1.5);
  const loose = diffJsonValues(before, after, { abs: 0.5, rel: 0 }, 10, true);
  assert.is(loose.beyondTolerance, 0);
});

test('usage errors exit 2', async () => {
  const root = makeToyProject();
  await runToy(root);
  assert.is((await diff(root)).code, 2, 'one run only: nothing to compare');
  assert.is((await capture(async () => runCommand(diffCmd, root, ['--request', '../x']))).code, 2);
  await runToy(root);
  assert.is((await diff(root, '--stage', 'nope')).code, 2);
  assert.is((await diff(root, 'no-such-run')).code, 2);
  assert.ok(existsSync(join(root, 'data/runs/123')));
});

test.run();
