// The synthetic data lab world: a national register with known careers, and requests whose true
// matches and true programme effect are known. See docs/data-contracts.md for every file shape.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_PEOPLE, DEFAULT_SEED, DEMO_PROGRAMME, GENERATOR_VERSION, type ErrorRates, type ProgrammeSpec } from './defaults.ts';
import { generateRegister, REGISTER_FILES } from './register.ts';
import { staleSyntheticRegister } from './stale.ts';
import { writeRequest, type RequestSummary } from './request.ts';

export * from './defaults.ts';
export { NICKNAMES, type Nickname } from './nicknames.ts';
export { isValidPnc, pncCheckLetter } from './pnc.ts';
export { generateRegister, REGISTER_FILES, SyntheticRegister, type RegisterOptions } from './register.ts';
export { writeRequest, type RequestSummary, type WriteRequestOptions } from './request.ts';

export interface SynthesizeOptions {
  /** The project's data folder: writes reference/, requests/<id>/ and truth/<id>/ under it. */
  dataDir: string;
  seed?: number;
  people?: number;
  programmes?: ProgrammeSpec[];
  errors?: Partial<ErrorRates>;
  threads?: number;
  memoryLimit?: string;
  tempDirectory?: string;
  onProgress?: (message: string) => void;
}

/** Generate the register and every programme's request in one go. */
export async function synthesize(options: SynthesizeOptions): Promise<RequestSummary[]> {
  const progress = options.onProgress ?? (() => {});
  const register = await generateRegister({
    seed: options.seed ?? DEFAULT_SEED,
    people: options.people ?? DEFAULT_PEOPLE,
    programmes: options.programmes ?? [DEMO_PROGRAMME],
    threads: options.threads,
    memoryLimit: options.memoryLimit,
    tempDirectory: options.tempDirectory,
    onProgress: progress,
  });
  try {
    progress('writing register files');
    await register.writeReference(join(options.dataDir, 'reference'));
    const summaries: RequestSummary[] = [];
    for (const p of register.options.programmes) {
      progress(`writing request ${p.id}`);
      summaries.push(
        await writeRequest(register, p.id, {
          requestsDir: join(options.dataDir, 'requests'),
          truthDir: join(options.dataDir, 'truth'),
          errors: options.errors,
        }),
      );
    }
    return summaries;
  } finally {
    register.close();
  }
}

export interface EnsureRegisterOptions {
  dataDir: string;
  onProgress?: (message: string) => void;
}

/**
 * On a fresh clone the register is missing: generate the default one (and demo request 123, which
 * comes out byte-identical to the committed copy) so the pipeline can run straight away.
 * Returns true when it generated. A register counts as present once its extract.json exists,
 * which is written last.
 */
export async function ensureRegister(options: EnsureRegisterOptions): Promise<boolean> {
  const stale = staleSyntheticRegister(options.dataDir);
  if (existsSync(join(options.dataDir, 'reference', REGISTER_FILES.extract)) && stale === undefined) return false;
  const progress = options.onProgress ?? (() => {});
  progress(stale !== undefined
    ? `the synthetic register in ${join(options.dataDir, 'reference')} was made by generator version ${stale}, the demo request by version ${GENERATOR_VERSION}: generating it again (${DEFAULT_PEOPLE.toLocaleString('en-GB')} people)`
    : `no register in ${join(options.dataDir, 'reference')}: generating the default synthetic register (${DEFAULT_PEOPLE.toLocaleString('en-GB')} people)`);
  await synthesize({ dataDir: options.dataDir, onProgress: progress });
  progress('synthetic register ready');
  return true;
}

