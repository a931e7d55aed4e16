// Intake through the real command line on the demo request: what the analyst sees when an upload
// is refused (the reason, then where the provider's row-by-row list is), and that the list is
// there, owner-only. The refusal here is a cohort.csv that is a link to a file elsewhere.
import { copyFileSync, existsSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { makeJusticeProject, pipeline, removeJusticeProjects } from '../helpers/justice-project.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

test.after(removeJusticeProjects);

test('a linked cohort.csv: refused by name as a link, and the console ends with where the rejection file is', async () => {
  const root = await makeJusticeProject(['123']);
  const cohort = join(root, 'data/requests/123/cohort.csv');
  const outside = join(testTempDir('intake-cli-'), 'cohort.csv');
  copyFileSync(cohort, outside);
  rmSync(cohort);
  symlinkSync(outside, cohort);

  const run = pipeline(root, ['--request', '123']);
  const output = `${run.stdout}\n${run.stderr}`;
  assert.is(run.status, 3, output); // stopped by a stage
  assert.match(output, /cohort\.csv: is a symbolic link \(a shortcut to another file\), not the file itself/);
  const lines = output.split('\n').filter((l) => l.includes('cohort.csv: is a symbolic link'));
  assert.ok(lines.length > 0);
  for (const line of lines) assert.match(line, /row by row for the provider: rejections\/123\/rejections\.csv in the data folder\.?$/, line);
  assert.not.match(output, /request\.json is missing/);

  const published = join(root, 'data/rejections/123/rejections.csv');
  assert.ok(existsSync(published));
  assert.is(statSync(published).mode & 0o777, 0o600);
  assert.match(readFileSync(published, 'utf8'), /^,cohort\.csv,"is a symbolic link/m);
});

test.run();
