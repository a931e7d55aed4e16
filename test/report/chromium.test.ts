// Opens a rendered report in headless Chromium (Debian's chromium package): no console output at
// all (the report has no script, so any console line is a fault), the tables and charts are in
// the DOM Chromium built, and a screenshot is taken and checked to be a real picture.
// Without Chromium these tests are skipped by name with the install line, and FAIL under CI
// (env CI set), on purpose: CI must install it (apt-get install chromium).
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { test } from 'uvu';
import { testNeeding } from '../helpers/requires.ts';
import * as assert from 'uvu/assert';
import stage from '../../stages/report/stage.ts';
import { runStageDirect } from '../helpers/run-stage.ts';
import { buildReportFixture } from './build-report-inputs.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

const stageUrl = new URL('../../stages/report/stage.ts', import.meta.url).href;

// $CHROMIUM, else chromium or chromium-browser on the PATH.
const onPath = (name: string) => (process.env.PATH ?? '').split(':').filter(Boolean).map((d) => join(d, name));
const DEFAULT_CANDIDATES = [process.env.CHROMIUM, ...onPath('chromium'), ...onPath('chromium-browser')].filter((c): c is string => !!c);

function findChromium(candidates: string[] = DEFAULT_CANDIDATES): string {
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`Chromium not found (looked for ${candidates.join(', ') || 'nothing'}): install it with \`apt-get install chromium\``);
  return found;
}

test('without Chromium the test fails and says how to install it', () => {
  assert.throws(() => findChromium(['/nonexistent/chromium']), /apt-get install chromium/);
});

const withChromium = testNeeding(test, { what: 'Chromium', available: DEFAULT_CANDIDATES.some((c) => existsSync(c)), install: 'apt-get install chromium' });

function chromium(args: string[]): Promise<{ stdout: string; stderr: string }> {
  const bin = findChromium();
  const profile = testTempDir('chromium-profile-');
  const base = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--enable-logging=stderr', '--v=0'];
  return new Promise((resolve, reject) => {
    execFile(bin, [...base, ...args], { timeout: 60_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`chromium failed: ${error.message}\n${stderr}`));
      else resolve({ stdout, stderr });
    });
  });
}

/** Console messages Chromium logged for the page ("INFO:CONSOLE(…)" lines on stderr). */
function consoleLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => /:CONSOLE[:(]/.test(l));
}

/** Width, height and the number of distinct byte values of a PNG's decompressed pixel data. */
function pngInfo(buf: Buffer): { width: number; height: number; distinctBytes: number } {
  assert.is(buf.subarray(1, 4).toString('latin1'), 'PNG', 'PNG signature');
  let offset = 8;
  let width = 0;
  let height = 0;
  const idat: Buffer[] = [];
  while (offset < buf.length) {
    const length = buf.readUInt32BE(offset);
    const type = buf.subarray(offset + 4, offset + 8).toString('latin1');
    const data = buf.subarray(offset + 8, offset + 8 + length);
    if (type === 'IHDR') {
      width = data.readUInt32BE(0);
      height = data.readUInt32BE(4);
    }
    if (type === 'IDAT') idat.push(data);
    offset += 12 + length;
  }
  const pixels = inflateSync(Buffer.concat(idat));
  const seen = new Set<number>();
  for (let i = 0; i < pixels.length; i += 7) seen.add(pixels[i]!);
  return { width, height, distinctBytes: seen.size };
}

withChromium('the console check catches console output (negative control)', async () => {
  const dir = testTempDir('chromium-neg-');
  const page = join(dir, 'bad.html');
  writeFileSync(page, '<!DOCTYPE html><html><head><title>x</title></head><body><script>console.error("boom")</script></body></html>');
  const { stderr } = await chromium(['--dump-dom', `file://${page}`]);
  assert.ok(consoleLines(stderr).length > 0, 'a console.error must be detected');
});

withChromium('the report opens in headless Chromium without console errors; tables and charts are on the page', async () => {
  const fx = await buildReportFixture({ treated: 300, comparison: 2500, treatRate: 0.3, compRate: 0.42, submitted: 410, subAnalyses: ['region'] });
  const r = await runStageDirect(stage, stageUrl, { inputs: fx.inputs });
  const page = r.outputs.report!;

  const png = join(fx.dir, 'report.png');
  // Two independent browser runs, side by side: the DOM dump and the screenshot.
  const [dom, shot] = await Promise.all([
    chromium(['--dump-dom', `file://${page}`]),
    chromium(['--screenshot=' + png, '--window-size=1200,4000', '--hide-scrollbars', `file://${page}`]),
  ]);
  assert.equal(consoleLines(dom.stderr), [], 'no console output');
  for (let n = 1; n <= 7; n++) assert.ok(dom.stdout.includes(`id="table-${n}"`), `table ${n} in the DOM`);
  for (const id of ['table-measurements', 'table-estimates', 'table-group-sizes', 'table-balance', 'profile-sex', 'chart-rate', 'chart-frequency', 'chart-time', 'significant-results', 'provenance']) {
    assert.ok(dom.stdout.includes(`id="${id}"`), `${id} in the DOM`);
  }
  assert.is((dom.stdout.match(/<svg\b/g) ?? []).length, 8, 'eight inline SVG charts: three groups, three differences, the score overlap, the match weights');
  assert.ok((dom.stdout.match(/<rect class="bar /g) ?? []).length >= 4, 'bars drawn (frequency and time)');
  assert.is((dom.stdout.match(/<use [^>]*class="person /g) ?? []).length, 200, '100 people per group in the rate chart');

  assert.equal(consoleLines(shot.stderr), [], 'no console output while painting');
  const buf = readFileSync(png);
  const info = pngInfo(buf);
  assert.is(info.width, 1200);
  assert.is(info.height, 4000);
  assert.ok(buf.length > 100_000, `screenshot is ${buf.length} bytes`);
  assert.ok(info.distinctBytes > 50, 'the screenshot is not a blank page');
  // Keep a copy for a human look when asked (REPORT_SCREENSHOT=/path/to.png).
  if (process.env.REPORT_SCREENSHOT) copyFileSync(png, process.env.REPORT_SCREENSHOT);
});

test.run();
