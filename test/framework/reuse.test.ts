// A stage that declares `reuse` is offered its own earlier outputs (ctx.previous) when only the
// declared inputs changed, and never otherwise: not after a change of code, params or any other
// input, and not when the earlier bytes are damaged. A toy stage in the toy DAG notes what it was
// offered; the real runner decides.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { chmodSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SRC, edit, makeToyProject, removeToyProjects, runToy, writePeople, type ToyRun } from '../helpers/toy-dag.ts';

/** The toy DAG plus `memo`: people (may vary) and shared (must not), a param; it notes what it is offered. */
function memoProject(): string {
  const root = makeToyProject();
  edit(root, 'pipeline.config.ts', `'./stages/other.ts'`, `'./stages/other.ts', { module: './stages/memo.ts', params: { v: 1 } }`);
  writeFileSync(join(root, 'stages/memo.ts'), `
import { readFileSync } from 'node:fs';
import { defineStage } from '${SRC}stage.ts';
export default defineStage({
  name: 'memo',
  inputs: { people: 'file:inputs/{request}/people.csv', shared: 'file:inputs/shared.csv' },
  reuse: { varying: ['people'] },
  outputs: { copy: { format: 'csv', classification: 'personal' } },
  params: { v: 1 },
  async run({ db, inputs, outputs, previous, log }) {
    log.info(previous ? 'offered: ' + readFileSync(previous.copy, 'utf8').split('\\n').length + ' lines' : 'offered nothing');
    await db.run('COPY (SELECT * FROM read_csv($i, header = true) ORDER BY id) TO $o (FORMAT csv)', { i: inputs.people, o: outputs.copy });
  },
});
`);
  return root;
}

const offered = (run: ToyRun): string | undefined => {
  for (const e of run.events) if (e.type === 'note' && e.stage === 'memo') return e.message;
  return undefined;
};

test('offered the earlier outputs when only a varying input changed', async () => {
  const root = memoProject();
  const first = await runToy(root);
  assert.ok(first.outcome.ok, JSON.stringify(first.outcome));
  assert.is(offered(first), 'offered nothing');
  writePeople(root, '123', [[1, 'Ada', 12], [2, 'Bea', 55], [3, 'Cal', 70]]);
  const second = await runToy(root);
  assert.is(second.states.memo, 'ran');
  // the first run's copy: a header, four people and the last line break
  assert.is(offered(second), 'offered: 6 lines');
});

test('not offered after a change to another input, a param or the code', async () => {
  const root = memoProject();
  await runToy(root);
  writeFileSync(join(root, 'inputs/shared.csv'), 'k,v\n1,a\n');
  writePeople(root, '123', [[1, 'Ada', 12]]);
  assert.is(offered(await runToy(root)), 'offered nothing', 'another input changed');
  edit(root, 'pipeline.config.ts', 'params: { v: 1 }', 'params: { v: 2 }');
  writePeople(root, '123', [[1, 'Ada', 13]]);
  assert.is(offered(await runToy(root)), 'offered nothing', 'a param changed');
  edit(root, 'stages/memo.ts', 'ORDER BY id', 'ORDER BY id, name');
  writePeople(root, '123', [[1, 'Ada', 14]]);
  assert.is(offered(await runToy(root)), 'offered nothing', 'the code changed');
  writePeople(root, '123', [[1, 'Ada', 15]]);
  assert.is(offered(await runToy(root)), 'offered: 3 lines', 'and offered again once only the people changed');
});

test('not offered when the earlier bytes no longer match their hash', async () => {
  const root = memoProject();
  await runToy(root);
  const runs = readdirSync(join(root, 'data/runs/123')).filter((f) => f.endsWith('.json'));
  const record = JSON.parse(readFileSync(join(root, 'data/runs/123', runs.at(-1)!), 'utf8'));
  const blob = join(root, 'data/store/objects', record.stages.memo.outputs.copy.hash);
  chmodSync(blob, 0o600);
  writeFileSync(blob, 'id,name,score\n9,Zed,1\n');
  writePeople(root, '123', [[1, 'Ada', 12]]);
  assert.is(offered(await runToy(root)), 'offered nothing');
});

test.after(removeToyProjects);
test.run();
