// The names of a folder input's files that someone outside chose (whoever sends the data names its
// files as it likes, and a name can be a person's). A stage lists the paths it may show (StageSpec.
// shownFileNames); every other file is named by a hash of its path keyed with the project's
// secret, wherever the tool would name it: explanations and run records (runner), the stat memo,
// and the deletion register (purge). Whoever holds data/ cannot test a guessed name against it.
import { createHmac } from 'node:crypto';
import { relative, sep } from 'node:path';
import { listFiles } from './hash.ts';
import { purposeKey, type PrivateConfig } from './keys.ts';

export interface UnlistedFile {
  /** `(unlisted file 3f2a9c0d1e7b)`: its name wherever the tool shows or keeps it. */
  label: string;
  /** The key of its stat-memo entry (a keyed hash of its full path); absent without a key. */
  memoId?: string;
}

/**
 * The files of `dir` whose paths (relative, '/'-separated) match none of `patterns` (regular
 * expressions' sources, whole path, any case), each with its label. The key is made only when
 * such a file is met, and only if `createKey` (a dry run makes none: it records nothing); without
 * one, files are numbered in path order.
 */
export function unlistedFiles(config: PrivateConfig, dir: string, patterns: readonly string[], createKey: boolean): Map<string, UnlistedFile> {
  const shown = patterns.map((p) => new RegExp(`^(?:${p})$`, 'i'));
  const out = new Map<string, UnlistedFile>();
  let key: Buffer | undefined;
  for (const file of listFiles(dir)) {
    const path = relative(dir, file).split(sep).join('/');
    if (shown.some((p) => p.test(path))) continue;
    key ??= purposeKey(config, 'file-name', createKey);
    if (!key) out.set(file, { label: `(unlisted file ${out.size + 1})` });
    else out.set(file, { label: `(unlisted file ${createHmac('sha256', key).update(path).digest('hex').slice(0, 12)})`, memoId: createHmac('sha256', key).update(file).digest('hex') });
  }
  return out;
}
