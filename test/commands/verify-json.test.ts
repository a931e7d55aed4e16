// `verify --store --request ID --json` on the toy DAG, through the real CLI: one JSON document
// with both verdicts (it printed two in a row, which no JSON reader takes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeToyProject, removeToyProjects } from '../helpers/toy-dag.ts';
import { cli } from '../helpers/cli.ts';

test('verify --store --request --json prints one JSON document holding both verdicts', async () => {
  const root = makeToyProject();
  assert.is((await cli(root, ['--request', '123'])).status, 0);
  const r = await cli(root, ['verify', '--store', '--request', '123', '--json']);
  assert.is(r.status, 0, r.stdout + r.stderr);
  const doc = JSON.parse(r.stdout) as { store: { ok: boolean }; request: { ok: boolean } };
  assert.ok(doc.store.ok && doc.request.ok, r.stdout);
});

test.after(removeToyProjects);
test.run();
