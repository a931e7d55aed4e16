// A stage whose outputs may depend on the day (usesToday) has the day in its key: yesterday's
// result is not served today, and --explain says the day changed; outputs that come out the same
// stop the re-run there. A stage that does not declare it stays cached across days.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SRC, edit, makeToyProject, removeToyProjects, runToy } from '../helpers/toy-dag.ts';

/** The toy DAG plus `dated`: refuses people whose (made-up) date is after today. */
function datedProject(): string {
  const root = makeToyProject();
  edit(root, 'pipeline.config.ts', `'./stages/other.ts'`, `'./stages/other.ts', './stages/dated.ts'`);
  writeFileSync(join(root, 'stages/dated.ts'), `
import { defineStage } from '${SRC}stage.ts';
export default defineStage({
  name: 'dated',
  inputs: { people: 'file:inputs/{request}/people.csv' },
  usesToday: true,
  outputs: { kept: { format: 'csv', classification: 'aggregate' } },
  async run({ db, inputs, outputs, today }) {
    // a person's "date" is 2026-11-<score>: those after today are refused
    await db.run("COPY (SELECT id FROM read_csv($i, header = true) WHERE printf('2026-11-%02d', score % 28 + 1) <= $today ORDER BY id) TO $o (FORMAT csv)", { i: inputs.people, o: outputs.kept, today });
  },
});
`);
  return root;
}

test('the day is part of the key of a stage that uses it, and only of that stage', async () => {
  const root = datedProject();
  const first = await runToy(root, { today: '2026-11-10' });
  assert.ok(first.outcome.ok, JSON.stringify(first.outcome));
  assert.is(first.states.dated, 'ran');
  const sameDay = await runToy(root, { today: '2026-11-10' });
  assert.is(sameDay.states.dated, 'hit');
  // the next day: run again, and explain says why
  const nextDay = await runToy(root, { today: '2026-11-11' });
  assert.is(nextDay.states.dated, 'ran');
  assert.match(nextDay.reasons.dated!, /env today changed: 2026-11-10 -> 2026-11-11/);
  assert.is(nextDay.states.clean, 'hit', 'a stage that does not use the day stays cached');
  const later = await runToy(root, { today: '2026-11-20' });
  assert.is(later.states.dated, 'ran');
});

test.after(removeToyProjects);
test.run();
