// The `link` tool's work without its argument parsing: load two files (input-files.ts), run the
// linkage (link.ts) with the model trained on them or a given one, and write the links (Parquet,
// and CSV when asked), the match report and the model into a folder. Progress and warnings go
// to a callback; nothing here prints or exits.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Duck } from '../../src/duck.ts';
import type { Json } from '../../src/stage.ts';
import { loadLinkInputs, LinkInputError, type InputReport, type LinkInputs } from './input-files.ts';
import { link, matchReport, writeJson, writeLinks } from './link.ts';
import { validateModel, type Model } from './model.ts';

const DIR = dirname(fileURLToPath(import.meta.url));

export interface LinkFilesOptions extends LinkInputs {
  out: string;
  threads?: number;
  csv?: boolean;
  /** A model file (model.json of an earlier run) to score with instead of training. */
  modelFile?: string;
  threshold?: number;
  /** Progress lines and warnings (counts, row numbers and column names only). */
  log?: (message: string) => void;
}

export interface LinkFilesResult {
  inputs: InputReport;
  rows: number;
  linked: number;
  files: { links: string; csv?: string; report: string; model: string };
}

export async function linkFiles(options: LinkFilesOptions): Promise<LinkFilesResult> {
  const log = options.log ?? (() => {});
  let given: Model | undefined;
  if (options.modelFile) {
    try {
      given = validateModel(JSON.parse(readFileSync(options.modelFile, 'utf8')));
    } catch (error) {
      throw new LinkInputError(`${options.modelFile}: ${(error as Error).message}`);
    }
  }
  if (options.threshold !== undefined && !(options.threshold > 0 && options.threshold < 1)) {
    throw new LinkInputError('--threshold must be a probability between 0 and 1');
  }
  const db = await Duck.open({ threads: options.threads ?? 2 });
  const started = Date.now();
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
  try {
    const inputs = await loadLinkInputs(db, options);
    log(`read ${inputs.cohortRows} cohort rows and ${inputs.registerRows} register people (${elapsed()})`);
    for (const u of inputs.unreadableDates) {
      log(`warning: ${u.file}: ${u.count} ${u.field} value(s) are not dates in the format ${options.dateFormat ?? 'auto'} and are treated as missing (rows ${u.sampleRows.join(', ')}${u.count > u.sampleRows.length ? ', ...' : ''})${u.hint ? `; ${u.hint}` : ''}`);
    }
    for (const i of inputs.ignoredColumns) log(`note: ${i.file}: columns not used: ${i.columns.join(', ')}`);
    if (!inputs.genderGiven.cohort || !inputs.genderGiven.register) {
      log('note: gender is not given on both sides: it is left out of the comparison (twins of different sex cannot be told apart)');
    }
    const linkOptions = {
      withEvents: false, source: 'both' as const, threshold: options.threshold, model: given,
      log: (m: string) => log(`${m} (${elapsed()})`),
    };
    const result = await link(db, DIR, linkOptions);
    // Only now, so that bad input leaves no empty output folder behind.
    mkdirSync(options.out, { recursive: true, mode: 0o700 });
    const files = {
      links: join(options.out, 'links.parquet'),
      ...(options.csv ? { csv: join(options.out, 'links.csv') } : {}),
      report: join(options.out, 'match-report.json'),
      model: join(options.out, 'model.json'),
    };
    const rows = await writeLinks(db, files.links, files.csv);
    const report = await matchReport(db, linkOptions, result);
    report.unreadable_dates = inputs.unreadableDates.map((u) => ({ field: u.field, count: u.count, side: u.file === options.cohort ? 'cohort' : 'register' }));
    await writeJson(files.report, report);
    await writeJson(files.model, result.model as unknown as Json);
    return { inputs, rows, linked: report.linked, files };
  } finally {
    db.close();
  }
}
