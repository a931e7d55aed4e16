// intake: the provider's request form and cohort upload, checked and normalised, or refused with
// every reason at once. Bad input never throws: it becomes problems in the summary (no values) and
// the rejection file (values, for the provider), and a rejected request stops the pipeline here.
import { rm } from 'node:fs/promises';
import { defineStage } from '../../src/stage.ts';
import { columnsMessage, mapColumns } from './headers.ts';
import { locateFiles, SHOWN_REQUEST_PATHS } from './locate.ts';
import { describe, formatCount, groupProblems, type Problem, type Reason } from './problems.ts';
import { isBlank } from './cells.ts';
import { readTable } from './read-table.ts';
import { COHORT_ROW_SCHEMA, REQUEST_SCHEMA, loadSchemas } from './schemas.ts';
import { validateRequest } from './validate-request.ts';
import { validateRows, type RowsResult } from './validate-rows.ts';
import { cohortFingerprint } from './cohort-fingerprint.ts';
import { writeCohort, writeJson, writeRejections } from './write-outputs.ts';
import { noticeHtml, receivedFiles } from './notice.ts';
import { writeFileSync } from 'node:fs';
import { readRegularFile, type Entry } from './regular-file.ts';
import { decodeText } from './decode.ts';

/** Where the runner publishes the rejection file, relative to the data folder. */
const REJECTIONS = 'rejections/{request}/rejections.csv';

/** Whole-request reasons that no single problem carries: they get a line of their own in the rejection file. */
const REASON_LINES = new Set(['too_few_people', 'too_many_unusable']);

export type IntakeParams = {
  /** Fewer usable people than this refuses the request (the service's minimum). */
  minPeople: number;
  /** A larger share of unusable rows than this refuses the request as too poor to link. */
  maxUnusableShare: number;
  /** Secure transfer channels the DPIA allows. */
  allowedChannels: string[];
  /** Larger uploads are refused before they are read. */
  maxFileBytes: number;
  /** More rows of people than this (blank rows not counted) are refused: the most one request may hold. */
  maxRows: number;
  /** Workbooks declaring more than this once unzipped (a "zip bomb") are refused before unzipping. */
  maxUnzippedBytes: number;
  /** Longer cells are a problem of that row and field, never matched against a pattern. */
  maxCellChars: number;
  /** Plausible ages at the intervention: 10 is the age of criminal responsibility in England and Wales. */
  minAge: number;
  maxAge: number;
};

export default defineStage<IntakeParams>({
  name: 'intake',
  description: 'Validate and normalise the request form and the cohort upload, or refuse the request with reasons.',
  inputs: { request: 'file:data/requests/{request}' },
  // the provider names its files: a name made of its own words is kept only as a keyed hash
  shownFileNames: { request: SHOWN_REQUEST_PATHS },
  // Links and special files in the request folder are the provider's to fix: intake names them.
  refusesSpecialFiles: true,
  // Dates after today (in the form, in a correction's name) are refused: tomorrow they may not be.
  usesToday: true,
  outputs: {
    cohort: { format: 'parquet', classification: 'personal', key: ['row'], optional: true, identifiers: { names: ['forename', 'surname'], dates: ['dob'], ids: ['pnc_id', 'prison_number', 'reference'] }, description: 'The usable people, normalised, with matching keys; not written when the request is refused.' },
    request: { format: 'json', classification: 'aggregate', optional: true, description: 'The validated request without contact details; not written when request.json fails its schema.' },
    summary: { format: 'json', classification: 'aggregate', description: 'Status, reasons, counts and problems by kind with row numbers; never values.' },
    rejections: {
      format: 'csv', classification: 'personal', optional: true, publish: REJECTIONS,
      description: 'For the provider: every problem by row and field with the value as sent (only the header line when there is none). Published for the analyst to send back, and purged with the upload. Never written for a request sent over an insecure channel (deleted on receipt, unread).',
    },
    notice: { format: 'html', classification: 'aggregate', optional: true, publish: 'notices/{request}/deleted-on-receipt.html', description: 'Only for a request sent over an insecure channel: why its files were deleted on receipt, which, and how to resend.' },
  },
  code: ['./cohort-table.sql', './cohort-write.sql', REQUEST_SCHEMA, COHORT_ROW_SCHEMA],
  params: {
    minPeople: 60,
    maxUnusableShare: 0.2,
    allowedChannels: ['cjsm', 'gsi', 'gcsx', 'pnn'],
    maxFileBytes: 100 * 2 ** 20,
    // The largest cohort the service has received is about 60,000 people.
    maxRows: 200_000,
    // A 60,000-row sheet is about 30 MB of XML; read-excel-file holds it as one string.
    maxUnzippedBytes: 256 * 2 ** 20,
    maxCellChars: 1000,
    minAge: 10,
    maxAge: 100,
  },
  duckdb: { threads: 1 },
  async run(ctx) {
    const { params, outputs, tmpDir } = ctx;
    const written: string[] = [];
    try {
      const schemas = await loadSchemas(ctx.dir);
      // "No date in the future" is judged on the stage's clock, never the machine's own.
      const today = ctx.today;
      const files = await locateFiles(ctx.inputs.request!, today);
      const request = await validateRequest(files.requestJson, ctx.request, params.allowedChannels, schemas, today);
      const problems: Problem[] = [...request.problems, ...files.problems];
      const reasons: Reason[] = [...request.reasons];
      for (const p of files.problems) reasons.push({ kind: 'cohort_file', message: describe(p) });

      // Sent over a channel the form names and that is not secure: deleted on receipt, unread
      // (notice.ts). A form that names no channel is refused like any other fault, not deleted.
      const form = reasons.some((r) => r.kind === 'insecure_channel') ? await readForm(files.requestJson) : {};
      const channel = form.transfer_channel;
      if (typeof channel === 'string' && channel.trim() !== '') {
        const organisation = (form.organisation as { name?: unknown } | undefined)?.name;
        const received = (form.dates as { received?: unknown } | undefined)?.received;
        const deleted = receivedFiles(ctx.inputs.request!);
        writeFileSync(outputs.notice!, noticeHtml({
          request: ctx.request,
          organisation: typeof organisation === 'string' ? organisation : null,
          received: typeof received === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(received) ? received : null,
          channel: channel.slice(0, 40),
          allowedChannels: params.allowedChannels,
          files: deleted,
        }));
        // The form's own faults are still named as reasons; the cohort is never read, and no problem is
        // listed row by row, since there is no rejection file to carry them.
        const formReasons = reasons.filter((r) => r.kind !== 'cohort_file');
        const summary = { request: ctx.request, status: 'rejected', reasons: formReasons, deleted_on_receipt: { files: deleted.length, bytes: deleted.reduce((a, f) => a + f.bytes, 0) }, file: { name: files.cohortLabel, format: null, encoding: null, separator: null }, counts: { submitted: 0, usable: 0, unusable: 0, duplicates: 0 }, limits: {}, problems: [] };
        await writeJson(outputs.summary!, summary, tmpDir);
        ctx.log.info(`intake refused: sent over an insecure channel; ${deleted.length} file(s) deleted on receipt, unread`);
        return {
          summary: { status: 'rejected', submitted: 0, usable: 0, unusable: 0, duplicates: 0, problems: 0 },
          stop: 'intake refused the request: it was sent over an insecure channel, so its files were deleted on receipt',
          purge: { classifications: ['personal', 'pseudonymised'], reason: 'sent over an insecure channel: deleted on receipt', rule: 'deleted on receipt (DPIA: data provided without a secure account is deleted upon receipt)' },
        };
      }

      let rows: RowsResult | null = null;
      let fileInfo: Record<string, string | null> = { name: files.cohortLabel, format: null, encoding: null, separator: null, line_endings: null };
      if (files.cohort) {
        const read = await readTable(files.cohort, files.cohortLabel, params);
        if (!read.ok) {
          problems.push(read.problem);
          reasons.push({ kind: 'cohort_file', message: describe(read.problem) });
        } else {
          const { table } = read;
          fileInfo = { name: files.cohortLabel, format: table.format, encoding: table.encoding, separator: table.separator, line_endings: table.lineEndings };
          const columns = mapColumns(table.header, (i) => table.rows.some((r) => !isBlank(r.cells[i] ?? null)), schemas.fields, schemas.mandatory, schemas.atLeastOne);
          // (loops, not spreads: a header or a row can hold more problems than a call takes arguments)
          for (const p of columns.problems) problems.push(p);
          if (columns.problems.length) reasons.push({ kind: 'columns', message: `the columns of ${files.cohortLabel} do not match the upload template: ${columnsMessage(columns)}` });
          const usableHeader = !columns.problems.some((p) => p.kind === 'no_header_row');
          if (usableHeader) {
            rows = validateRows(table.rows, columns, schemas, { maxCellChars: params.maxCellChars, minAge: params.minAge, maxAge: params.maxAge, received: request.received, dateSystem: table.dateSystem, csv: table.format === 'csv' });
            for (const p of rows.problems) problems.push(p);
            // Rows swallowed by a stray quote cannot be counted: the file must be fixed first.
            const swallowed = rows.problems.find((p) => p.kind === 'quote_spans_rows');
            if (swallowed) reasons.push({ kind: 'cohort_file', message: `${files.cohortLabel}: ${describe(swallowed)}` });
            // A column whose dates read month first more often than day first (02/13/1990 against
            // 25/12/1990) was written month first: its other dates (05/04/1990) cannot be trusted
            // to be day first, so the request is refused. Fewer month-first dates than day-first
            // ones are typos in a day-first column: those rows' dates are problems of their own.
            const monthFirst = new Map<string, number>();
            for (const p of rows.problems) if (p.kind === 'month_first_date') monthFirst.set(p.field, (monthFirst.get(p.field) ?? 0) + 1);
            for (const [field, n] of monthFirst) {
              if (n <= (rows.dayFirstOnly[field] ?? 0)) continue;
              reasons.push({ kind: 'month_first_dates', message: `${files.cohortLabel}, ${field}: ${formatCount(n)} ${n === 1 ? 'date is' : 'dates are'} written month first (mm/dd/yyyy) and only ${formatCount(rows.dayFirstOnly[field] ?? 0)} day first, so the others of that column may be month first too: write every date day first (dd/mm/yyyy) or as yyyy-mm-dd` });
            }
            // Counting rules only mean something when the columns were right.
            if (!columns.problems.length) {
              if (rows.usable.length < params.minPeople)
                reasons.push({ kind: 'too_few_people', message: `${formatCount(rows.usable.length)} usable people, fewer than the ${formatCount(params.minPeople)} needed` });
              const share = rows.submitted ? rows.unusableRows / rows.submitted : 0;
              if (share > params.maxUnusableShare)
                reasons.push({
                  kind: 'too_many_unusable',
                  message: `${formatCount(rows.unusableRows)} of ${formatCount(rows.submitted)} rows (${(share * 100).toFixed(1)}%) cannot be used, more than the ${(params.maxUnusableShare * 100).toFixed(1)}% allowed`,
                });
            }
          }
        }
      }

      const accepted = reasons.length === 0 && rows !== null;
      const counts = {
        submitted: rows?.submitted ?? 0,
        usable: rows?.usable.length ?? 0,
        unusable: rows?.unusableRows ?? 0,
        duplicates: rows?.duplicates ?? 0,
      };
      const summary = {
        request: ctx.request,
        status: accepted ? 'accepted' : 'rejected',
        reasons,
        file: fileInfo,
        counts,
        // Which people the figures come from, as one hash (cohort-fingerprint.ts); null if refused.
        cohort_sha256: accepted ? cohortFingerprint(rows!.usable) : null,
        limits: { min_people: params.minPeople, max_unusable_share: params.maxUnusableShare, max_file_bytes: params.maxFileBytes, max_rows: params.maxRows, max_unzipped_bytes: params.maxUnzippedBytes, max_cell_chars: params.maxCellChars },
        problems: groupProblems(problems),
      };

      // Personal outputs first, the summary last: the summary is the sign the run completed.
      // The rejection file is always written, so its published copy never outlives a correction.
      const reasonLines = reasons.filter((r) => REASON_LINES.has(r.kind)).map((r): Problem => ({ kind: r.kind, row: null, field: files.cohortLabel, problem: r.message, effect: 'request refused' }));
      const rejectionRows = await writeRejections(outputs.rejections!, [...reasonLines, ...problems], tmpDir);
      written.push(outputs.rejections!);
      if (accepted) {
        await writeCohort(ctx.db, ctx.dir, rows!.usable, outputs.cohort!, tmpDir);
        written.push(outputs.cohort!);
      }
      if (request.request) {
        await writeJson(outputs.request!, request.request, tmpDir);
        written.push(outputs.request!);
      }
      await writeJson(outputs.summary!, summary, tmpDir);
      written.push(outputs.summary!);

      // Where the provider's row-by-row detail is: the runner's published copy, named relative to
      // the data folder (a stage is not told where that folder is).
      const detail = `row by row for the provider: ${REJECTIONS.replace('{request}', ctx.request)} in the data folder`;
      ctx.log.info(
        `intake ${summary.status}: ${counts.submitted} rows, ${counts.usable} usable, ${counts.unusable} unusable, ${counts.duplicates} duplicates, ${problems.length} ${problems.length === 1 ? 'problem' : 'problems'}${problems.length ? ` (${detail})` : ''}`,
      );
      const result = {
        rows: { ...(accepted ? { cohort: counts.usable } : {}), rejections: rejectionRows },
        summary: { status: summary.status, ...counts, problems: problems.length },
      };
      if (!accepted) return { ...result, stop: `intake refused the request: ${reasons.map((r) => r.message).join('; ')}; ${detail}` };
      return result;
    } catch (error) {
      // A real bug: leave no declared output half-made behind.
      await Promise.all(written.map((p) => rm(p, { force: true })));
      throw error;
    }
  },
});

/** The request form as sent, read as a regular file only (never through a link); {} when unreadable. */
async function readForm(entry: Entry & { path: string }): Promise<Record<string, unknown>> {
  if (entry.kind !== 'file') return {};
  const read = await readRegularFile(entry.path, 1 << 20);
  if (!read.ok) return {};
  try {
    // Decoded as validate-request.ts decodes it, so both read the same channel.
    const decoded = decodeText(read.bytes);
    return decoded.ok ? (JSON.parse(decoded.text.replace(/^\uFEFF/, '')) as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}
