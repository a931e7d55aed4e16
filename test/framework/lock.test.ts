// The per-request lock on real files: taken atomically (the owner is written before the lock has
// its name), never two holders at once, dead owners and unreadable locks cleared, live ones kept.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostname } from 'node:os';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { acquireLock, describeHeldLock } from '../../src/lock.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

const made: string[] = [];
const dir = () => {
  const d = testTempDir('lock-test-');
  made.push(d);
  return d;
};
test.after(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

test('the lock holds a whole owner as soon as it exists; a second taker is refused; released, it can be taken again; no temp file is left', async () => {
  const d = dir();
  const path = join(d, '.lock');
  const a = await acquireLock(path, 'run-a');
  assert.ok(a.ok);
  const owner = JSON.parse(readFileSync(path, 'utf8'));
  assert.equal({ pid: owner.pid, host: owner.host, run: owner.run }, { pid: process.pid, host: hostname(), run: 'run-a' });
  const b = await acquireLock(path, 'run-b');
  assert.not.ok(b.ok);
  if (!b.ok) assert.match(describeHeldLock('request 1', b), /already being run by process \d+ .*\(run run-a\)/);
  if (a.ok) a.release();
  assert.not.ok(existsSync(path));
  const c = await acquireLock(path, 'run-c');
  assert.ok(c.ok);
  if (c.ok) c.release();
  assert.equal(readdirSync(d), [], 'no temporary or set-aside file is left');
});

test('processes racing for one lock: exactly one wins each round, also when the last holder died', async () => {
  const d = dir();
  const path = join(d, '.lock');
  const lockModule = fileURLToPath(new URL('../../src/lock.ts', import.meta.url));
  // Each child says it is ready, waits for "go" (so all race at once), tries once, says whether
  // it won, and holds on (without releasing) until "stop": then it exits, leaving a dead owner's
  // lock for the next round to clear.
  const script = `import { existsSync } from 'node:fs';
import { acquireLock } from '${lockModule}';
const [path, go, stop] = process.argv.slice(2);
process.stdout.write('ready;');
while (!existsSync(go)) await new Promise((r) => setTimeout(r, 2));
const r = await acquireLock(path, 'p' + process.pid);
process.stdout.write(r.ok ? 'won;' : 'lost;');
while (!existsSync(stop)) await new Promise((r) => setTimeout(r, 5));`;
  const file = join(d, 'take.mts');
  writeFileSync(file, script);
  for (let round = 0; round < 3; round++) {
    const go = join(d, `go-${round}`);
    const stop = join(d, `stop-${round}`);
    const outs: string[] = ['', '', '', ''];
    const when = (pred: () => boolean) => new Promise<void>((resolve) => { const t = setInterval(() => pred() && (clearInterval(t), resolve()), 5); });
    const closed = outs.map((_, i) => new Promise<void>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', file, path, go, stop], { stdio: ['ignore', 'pipe', 'inherit'] });
      child.stdout.on('data', (c) => (outs[i] += c));
      child.on('close', () => resolve());
    }));
    await when(() => outs.every((o) => o.includes('ready;')));
    writeFileSync(go, '');
    await when(() => outs.every((o) => o.includes('won;') || o.includes('lost;')));
    writeFileSync(stop, '');
    await Promise.all(closed);
    assert.is(outs.filter((o) => o.includes('won;')).length, 1, outs.join(' '));
  }
});

test('an empty or unparsable lock is held within the grace period (named by path), and cleared as stale after it', async () => {
  for (const content of ['', '{"pid": 12', 'null', '{"pid": 0, "host": "x", "run": "y"}']) {
    const d = dir();
    const path = join(d, '.lock');
    writeFileSync(path, content);
    const young = await acquireLock(path, 'run-a', { graceMs: 60_000 });
    assert.not.ok(young.ok);
    if (!young.ok) {
      assert.is(young.unreadable?.path, path);
      assert.match(describeHeldLock('request 1', young), new RegExp(`locked by ${path.replaceAll('/', '\\/')}, which is unreadable \\(${Buffer.byteLength(content)} bytes`));
    }
    const old = new Date(Date.now() - 120_000);
    utimesSync(path, old, old);
    const taken = await acquireLock(path, 'run-a', { graceMs: 60_000 });
    assert.ok(taken.ok, content);
    if (taken.ok) {
      assert.is(taken.clearedUnreadable?.bytes, Buffer.byteLength(content));
      assert.ok(taken.clearedUnreadable!.ageSeconds >= 119);
      assert.is(JSON.parse(readFileSync(path, 'utf8')).run, 'run-a');
      taken.release();
    }
  }
});

test('waiting: an unreadable lock is cleared once it ages past the grace period', async () => {
  const d = dir();
  const path = join(d, '.lock');
  writeFileSync(path, '');
  const r = await acquireLock(path, 'run-a', { waitMs: 5_000, graceMs: 300 });
  assert.ok(r.ok);
  if (r.ok) {
    assert.ok(r.clearedUnreadable);
    r.release();
  }
});

test("a dead owner's lock is cleared; a live owner's is kept", async () => {
  const d = dir();
  const path = join(d, '.lock');
  writeFileSync(path, JSON.stringify({ pid: 4194305, host: hostname(), started: 'x', run: 'dead' }));
  const r = await acquireLock(path, 'run-a');
  assert.ok(r.ok);
  if (r.ok) {
    assert.is(r.clearedStale?.run, 'dead');
    r.release();
  }
  writeFileSync(path, JSON.stringify({ pid: process.ppid, host: hostname(), started: 'x', run: 'live' }));
  const held = await acquireLock(path, 'run-b');
  assert.not.ok(held.ok);
  assert.is(JSON.parse(readFileSync(path, 'utf8')).run, 'live');
});

test.run();
