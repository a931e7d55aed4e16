// The run's DuckDB engines: a stage borrows an engine the previous stage used, but sees nothing of
// that stage (tables, macros, current database), gets its own thread count, and never shares an
// engine with a stage running at the same time.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { DuckPool } from '../../src/duck.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

async function rejects(run: () => Promise<unknown>, pattern: RegExp): Promise<void> {
  try {
    await run();
  } catch (error) {
    assert.match((error as Error).message, pattern);
    return;
  }
  assert.unreachable('should have thrown');
}

/** A pool for one test, its idle engines closed afterwards whatever happens. */
async function withPool(body: (pool: DuckPool) => Promise<void>): Promise<void> {
  const pool = new DuckPool(spill);
  try {
    await body(pool);
  } finally {
    pool.close();
  }
}

const root = testTempDir('duck-pool-');
const spill = join(root, 'spill');
function workTmp(name: string): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

test('the next borrower gets the same engine but none of the previous stage: no tables, no macros, its own threads', async () => {
  await withPool(async (pool) => {
    const first = await pool.acquire({ threads: 1, memoryLimit: '500MB', tempDirectory: workTmp('a') });
    assert.is((await first.one<{ t: string }>("SELECT current_setting('threads')::VARCHAR AS t"))!.t, '1');
    await first.run('CREATE TABLE people AS SELECT range AS id FROM range(1000)');
    await first.run('CREATE TEMP MACRO plus_one(x) AS x + 1');
    const instance = first.instance;
    await pool.release(first, true);

    const second = await pool.acquire({ threads: 2, memoryLimit: '500MB', tempDirectory: workTmp('b') });
    assert.ok(second.instance === instance, 'the engine is reused');
    assert.is((await second.one<{ t: string }>("SELECT current_setting('threads')::VARCHAR AS t"))!.t, '2');
    const tables = await second.all("SELECT table_name FROM duckdb_tables() WHERE database_name <> 'system'");
    assert.equal(tables, [], 'no table of the previous stage is visible');
    await rejects(() => second.run('SELECT plus_one(1)'), /plus_one/);
    // what it creates lands in its own database
    await second.run('CREATE TABLE t (a INTEGER)');
    const appender = await second.con.createAppender('t');
    appender.appendInteger(7);
    appender.endRow();
    appender.closeSync();
    assert.equal(await second.all<{ a: number }>('SELECT a FROM t'), [{ a: 7 }]);
    await pool.release(second, true);
  });
});

test('an engine is never lent twice at once, nor to a borrower with other memory settings, nor kept after a failed stage', async () => {
  await withPool(async (pool) => {
    const a = await pool.acquire({ memoryLimit: '500MB', tempDirectory: workTmp('c') });
    const b = await pool.acquire({ memoryLimit: '500MB', tempDirectory: workTmp('d') });
    assert.ok(a.instance !== b.instance, 'two stages at once get two engines');
    const aInstance = a.instance;
    const bInstance = b.instance;
    await pool.release(b, true);
    await pool.release(a, false); // a failed or cancelled stage: its engine is closed
    const c = await pool.acquire({ memoryLimit: '600MB', tempDirectory: workTmp('e') });
    assert.ok(c.instance !== bInstance && c.instance !== aInstance, 'other memory settings start another engine');
    await pool.release(c, true);
    const d = await pool.acquire({ memoryLimit: '500MB', tempDirectory: workTmp('f') });
    assert.ok(d.instance === bInstance, 'the idle engine with the same settings is lent again');
    const e = await pool.acquire({ memoryLimit: '500MB', tempDirectory: workTmp('g') });
    assert.ok(e.instance !== aInstance && e.instance !== bInstance, 'the closed engine is never lent again');
    await pool.release(d, true);
    await pool.release(e, true);
    await rejects(() => pool.release(d, true), /not a database from this pool/);
  });
});

test("a stage that keeps its tables on disk gets a database file in its own temp folder, closed when it is released", async () => {
  await withPool(async (pool) => {
    const dir = workTmp('disk');
    const db = await pool.acquire({ storage: 'disk', tempDirectory: dir });
    await db.run('CREATE TABLE big AS SELECT range AS id, range::VARCHAR AS s FROM range(200000)');
    const file = (await db.one<{ path: string }>('SELECT path FROM duckdb_databases() WHERE database_name = current_database()'))!.path;
    assert.is(file, join(dir, 'stage.duckdb'));
    await pool.release(db, true);
    // detached: the runner can remove the work folder, and the next borrower starts empty
    rmSync(dir, { recursive: true });
    const next = await pool.acquire({ tempDirectory: workTmp('after') });
    assert.equal(await next.all("SELECT table_name FROM duckdb_tables() WHERE database_name <> 'system'"), []);
    await pool.release(next, true);
  });
});

test('blocks spilled past the memory limit go to the pool folder, which only the owner can read', async () => {
  await withPool(async (pool) => {
    const db = await pool.acquire({ memoryLimit: '64MB', threads: 1, tempDirectory: workTmp('spill-stage') });
    await db.run('CREATE TABLE wide AS SELECT range AS id, repeat(range::VARCHAR, 20) AS s FROM range(1500000)');
    const n = await db.one<{ n: number }>('SELECT count(DISTINCT s)::INTEGER AS n FROM (SELECT s FROM wide ORDER BY s)');
    assert.is(n!.n, 1_500_000);
    const files = await db.all<{ path: string }>('SELECT path FROM duckdb_temporary_files()');
    assert.ok(files.length > 0, 'something was spilled');
    assert.ok(files.every((f) => f.path.startsWith(spill)), 'into the pool folder');
    assert.is(statSync(spill).mode & 0o777, 0o700);
    await pool.release(db, true);
  });
  assert.equal(readdirSync(spill), [], 'no spilled block outlives the engine');
});

test.after(() => rmSync(root, { recursive: true, force: true }));
test.run();
