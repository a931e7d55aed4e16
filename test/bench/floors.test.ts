// The national bench's floors (bench/national/floors.ts) on real files: every floor names a stage
// of the justice DAG, every upstream output it reads is one that stage declares, and every file
// and column it names exists, so that each floor's statements run (a renamed column or output
// would otherwise surface only in a national bench run). Run on demo request 123 in a scratch
// project; nothing here is timed.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { loadDag } from '../../src/dag.ts';
import { FLOORS, floorStatements, runFloor } from '../../bench/national/floors.ts';
import { makeJusticeProject, pipeline, removeJusticeProjects } from '../helpers/justice-project.ts';

test.after(removeJusticeProjects);

test('every floor names a stage and outputs of the DAG, and its statements read every file and column it names', async () => {
  const root = await makeJusticeProject(['123']);
  const run = pipeline(root, ['--request', '123']);
  assert.is(run.status, 0, run.stderr);
  const runs = join(root, 'data', 'runs', '123');
  const record = JSON.parse(readFileSync(join(runs, readdirSync(runs).filter((f) => f.endsWith('.json')).sort().at(-1)!), 'utf8')) as {
    stages: Record<string, { outputs?: Record<string, { hash: string }> }>;
  };
  const outputs: Record<string, string> = {};
  for (const [stage, r] of Object.entries(record.stages)) {
    for (const [name, o] of Object.entries(r.outputs ?? {})) outputs[`${stage}.${name}`] = join(root, 'data', 'store', 'objects', o.hash);
  }
  const dag = await loadDag(join(root, 'pipeline.config.ts'));
  const where = { dataDir: join(root, 'data'), request: '123', outputs };
  for (const floor of FLOORS) {
    const stage = dag.stages.find((s) => s.name === floor.stage);
    assert.ok(stage, `floor of ${floor.stage}: no such stage in pipeline.config.ts`);
    for (const read of floor.reads) {
      const dot = read.file.indexOf('.');
      if (read.file.startsWith('reference/') || read.file.startsWith('request/')) continue;
      const upstream = dag.stages.find((s) => s.name === read.file.slice(0, dot));
      assert.ok(upstream?.outputs[read.file.slice(dot + 1)], `floor of ${floor.stage}: ${read.file} is not a declared output`);
    }
    assert.is(floorStatements(floor, where).length, floor.reads.length + (floor.join ? 1 : 0));
    // a missing file or column is a DuckDB error here; the write floor writes the stage's Parquet outputs
    const writes = Object.entries(stage!.outputs).filter(([, o]) => o.format === 'parquet').map(([name]) => `${floor.stage}.${name}`);
    const figures = await runFloor(floor, where, { threads: 1 }, writes, root);
    assert.ok(Number.isFinite(figures.seconds) && figures.seconds >= 0, `floor of ${floor.stage}: ${figures.seconds}`);
    if (writes.length) assert.ok(figures.write && Number.isFinite(figures.write.seconds), `floor of ${floor.stage}: no write floor for ${writes.join(', ')}`);
    else assert.is(figures.write, undefined, `floor of ${floor.stage}: a write floor without Parquet outputs`);
  }
});

test('a floor whose column does not exist fails rather than measuring nothing', async () => {
  const root = await makeJusticeProject(['123']);
  const floor = { stage: 'register', reads: [{ file: 'reference/people.parquet', columns: ['register_id', 'no_such_column'] }] };
  let error: unknown;
  try {
    await runFloor(floor, { dataDir: join(root, 'data'), request: '123', outputs: {} }, { threads: 1 });
  } catch (e) {
    error = e;
  }
  assert.match(String(error), /no_such_column/);
});

test.run();
