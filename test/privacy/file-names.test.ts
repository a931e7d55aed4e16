// A provider names the files it sends as it likes, and a name can be a person's. Files of the
// request folder other than those intake asks for appear in the console and in run records only
// as a keyed hash of their name (StageSpec.shownFileNames), still told apart so that a change to
// one is named; the stat memo under data/ keys them the same way. Nothing under data/ or on the
// console holds the name, nor the deletion register once the request is purged.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeJusticeProject, pipeline, removeJusticeProjects } from '../helpers/justice-project.ts';
import { dataFiles } from './helpers.ts';

test.after(removeJusticeProjects);

const NOTE = 'Quillfeather Jonah 1990-02-03.txt';
const NOTE_IN_CORRECTIONS = 'corrections/Quillfeather notes.csv';

/** Every file under data/ (the national register aside) whose bytes hold one of the words. */
function filesWith(root: string, words: string[]): string[] {
  const data = join(root, 'data');
  return dataFiles(data).filter((f) => {
    const text = readFileSync(join(data, f), 'latin1').toUpperCase();
    return words.some((w) => text.includes(w.toUpperCase()));
  });
}

test('a file named after a person is named by a keyed hash in the console, run records and memo, and its change is still named', async () => {
  const root = await makeJusticeProject(['123']);
  const request = join(root, 'data/requests/123');
  writeFileSync(join(request, NOTE), 'notes on the referral\n');
  mkdirSync(join(request, 'corrections'), { recursive: true });
  writeFileSync(join(request, NOTE_IN_CORRECTIONS), 'x\n');

  const first = pipeline(root, ['--request', '123']);
  assert.is(first.status, 0, first.stdout + first.stderr);
  assert.not.match(first.stdout + first.stderr, /Quillfeather|Jonah/i);

  // the note changes: the run says which input file changed, by its keyed name
  writeFileSync(join(request, NOTE), 'notes on the referral, amended\n');
  const second = pipeline(root, ['--request', '123', '--explain']);
  const out = second.stdout + second.stderr;
  assert.is(second.status, 0, out);
  assert.not.match(out, /Quillfeather|Jonah/i);
  assert.match(out, /file \(unlisted file [0-9a-f]{12}\), changed/);

  // the names intake asks for are still shown as they are
  writeFileSync(join(request, 'request.json'), readFileSync(join(request, 'request.json'), 'utf8') + '\n');
  const third = pipeline(root, ['--request', '123', '--explain']);
  assert.match(third.stdout + third.stderr, /file request\.json, changed/);

  assert.equal(filesWith(root, ['Quillfeather', 'Jonah']), [], 'a file under data/ holds the name');

  // the purge records the file's deletion under its label: the register keeps what it names for ever
  const purge = pipeline(root, ['purge', '--request', '123', '--reason', 'retention period ended', '--yes']);
  assert.is(purge.status, 0, purge.stdout + purge.stderr);
  const register = readFileSync(join(root, 'data/register/deletions.jsonl'), 'utf8');
  assert.match(register, /requests\/123\/\(unlisted file [0-9a-f]{12}\)/);
  assert.match(register, /requests\/123\/cohort\.csv/);
  assert.not.match(register + purge.stdout + purge.stderr, /Quillfeather|Jonah/i);
});

test.run();
