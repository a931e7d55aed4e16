// request.json: valid against the request schema, sent over a secure channel, with the
// data-protection assurance given, and about the request whose folder it is in.
import type { ErrorObject } from 'ajv';
import type { Json } from '../../src/stage.ts';
import type { Problem, Reason } from './problems.ts';
import type { Schemas } from './schemas.ts';
import { dateParts, isRealDate } from './dates.ts';
import { readRegularFile, type Entry } from './regular-file.ts';
import { decodeText } from './decode.ts';

export interface RequestResult {
  /** The request without contact details, when it passed the schema. */
  request: Record<string, Json> | null;
  received: string | null;
  problems: Problem[];
  reasons: Reason[];
}

const LABEL = 'request.json';
const MAX_REQUEST_BYTES = 2 ** 20;

/** What the intake.request output keeps (data-contracts.md): never the contact. */
const KEPT = ['id', 'organisation', 'programme', 'provider_text', 'analysis_period', 'dates', 'review_period_days', 'retention'] as const;

export async function validateRequest(file: Entry & { path: string }, requestId: string, allowedChannels: string[], schemas: Schemas, today: string): Promise<RequestResult> {
  const out: RequestResult = { request: null, received: null, problems: [], reasons: [] };
  const refuse = (kind: string, field: string, problem: string, value?: string) => {
    out.problems.push({ kind, row: null, field, problem, effect: 'request refused', value });
  };
  if (file.kind === 'absent') {
    refuse('request_missing', LABEL, 'is missing: the request form must come with the cohort');
    out.reasons.push({ kind: 'request_form', message: 'request.json is missing' });
    return out;
  }
  const read = file.kind === 'file' ? await readRegularFile(file.path, MAX_REQUEST_BYTES) : { ok: false as const, what: file.what };
  if (!read.ok) {
    if ('tooLarge' in read) {
      refuse('request_too_large', LABEL, 'is larger than 1 MB: it should be a short form');
      out.reasons.push({ kind: 'request_form', message: 'request.json is larger than 1 MB' });
    } else {
      refuse('not_a_file', LABEL, `is ${read.what}: put the request form itself in the request folder`);
      out.reasons.push({ kind: 'request_form', message: `request.json is ${read.what}` });
    }
    return out;
  }
  let data: unknown;
  try {
    // Decoded as a CSV is (decode.ts): Notepad saves "Unicode" as UTF-16 and older editors
    // windows-1252. A byte-order mark (Notepad's "UTF-8 with BOM") is not JSON, but not an error either.
    const decoded = decodeText(read.bytes);
    if (!decoded.ok) throw new Error('binary');
    data = JSON.parse(decoded.text.replace(/^\uFEFF/, ''));
  } catch {
    refuse('request_not_json', LABEL, 'could not be read as JSON');
    out.reasons.push({ kind: 'request_form', message: 'request.json could not be read as JSON' });
    return out;
  }
  const valid = schemas.request(data);
  if (!valid) {
    for (const e of schemas.request.errors ?? []) {
      const { field, problem, key } = requestWords(e);
      refuse('request_invalid', `${LABEL}: ${field}`, problem, key ?? valueAt(data, e));
    }
    out.reasons.push({ kind: 'request_form', message: `request.json is not filled in correctly (${schemas.request.errors?.length ?? 0} problems)` });
  }
  const obj = (typeof data === 'object' && data !== null && !Array.isArray(data) ? data : {}) as Record<string, unknown>;
  // The business rules are checked even when the form has other faults: every problem at once.
  if (obj.data_protection_assurance !== true) {
    refuse('no_assurance', `${LABEL}: data_protection_assurance`, 'the data-protection assurance has not been given (it must be true)');
    out.reasons.push({ kind: 'no_assurance', message: 'no data-protection assurance' });
  }
  const channel = typeof obj.transfer_channel === 'string' ? obj.transfer_channel.trim().toLowerCase() : null;
  if (channel === null || !allowedChannels.includes(channel)) {
    refuse('insecure_channel', `${LABEL}: transfer_channel`, `not a secure transfer channel: data must be sent by ${allowedChannels.join(', ')}`, typeof obj.transfer_channel === 'string' ? obj.transfer_channel : undefined);
    out.reasons.push({ kind: 'insecure_channel', message: `the data was not sent over a secure channel (${allowedChannels.join(', ')})` });
  }
  if (typeof obj.id === 'string' && obj.id !== requestId) {
    refuse('request_id_mismatch', `${LABEL}: id`, 'does not match the name of the request folder', obj.id);
    out.reasons.push({ kind: 'request_form', message: 'request.json belongs to another request (its id does not match the folder)' });
  }
  const dates = obj.dates as Record<string, unknown> | undefined;
  const dateProblems = checkDates(obj, today);
  for (const p of dateProblems) refuse('request_dates', `${LABEL}: ${p.field}`, p.problem, p.value);
  if (dateProblems.length) out.reasons.push({ kind: 'request_dates', message: `the dates in request.json do not fit together (${dateProblems.map((p) => p.field).join(', ')})` });
  if (valid) {
    out.received = dates!.received as string;
    out.request = Object.fromEntries(KEPT.filter((k) => k in obj).map((k) => [k, obj[k] as Json]));
  }
  return out;
}

/** A key that reads as a field name; any other key (a name, a phone number ...) is not quoted in the summary. */
const FIELD_NAME = /^[A-Za-z][A-Za-z0-9_]{0,39}$/;

/** The field and problem in words; `key`: an unknown key not fit to quote, for the rejection file only. */
function requestWords(e: ErrorObject): { field: string; problem: string; key?: string } {
  const path = e.instancePath.slice(1).replace(/\//g, '.');
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { field: path ? `${path}.${params.missingProperty}` : String(params.missingProperty), problem: 'missing' };
    case 'additionalProperties': {
      const key = String(params.additionalProperty);
      const shown = FIELD_NAME.test(key) ? key : '(a field not in the form)';
      return { field: path ? `${path}.${shown}` : shown, problem: 'not a field of the request form', ...(shown === key ? {} : { key }) };
    }
    case 'type':
      return { field: path || '(whole file)', problem: `must be ${String(params.type).replace(',', ' or ')}` };
    case 'format':
      return { field: path, problem: params.format === 'date' ? 'not a real date written as yyyy-mm-dd' : `not a valid ${params.format}` };
    case 'minimum':
    case 'maximum':
      return { field: path, problem: `must be ${e.keyword === 'minimum' ? 'at least' : 'at most'} ${params.limit}` };
    case 'minLength':
      return { field: path, problem: 'must not be empty' };
    case 'maxLength':
      return { field: path, problem: `longer than ${params.limit} characters` };
    case 'pattern':
      return { field: path, problem: 'may only hold letters, digits, "-" and "_"' };
    default:
      return { field: path || '(whole file)', problem: 'is not valid' };
  }
}

function valueAt(data: unknown, e: ErrorObject): string | undefined {
  let v: unknown = data;
  for (const part of e.instancePath.split('/').slice(1)) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[part] : undefined;
  if (v === undefined || (typeof v === 'object' && v !== null)) return undefined;
  return String(v);
}

/** A yyyy-mm-dd string of a real day, or null (the schema reports anything else). */
function isoDate(v: unknown): string | null {
  if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v)) return null;
  const p = dateParts(v);
  return p && isRealDate(p) ? v : null;
}

/**
 * Dates the schema cannot relate to each other or to the calendar: the analysis period runs
 * forwards, nothing has happened after today (the stage's clock), results were not shared
 * before the request was received, nor published before it.
 */
function checkDates(obj: Record<string, unknown>, today: string): { field: string; problem: string; value: string }[] {
  const out: { field: string; problem: string; value: string }[] = [];
  const at = (group: string, key: string) => isoDate((obj[group] as Record<string, unknown> | undefined)?.[key]);
  const period = { from: at('analysis_period', 'from'), to: at('analysis_period', 'to') };
  const dates = { received: at('dates', 'received'), results_shared: at('dates', 'results_shared'), publication: at('dates', 'publication') };
  if (period.from && period.to && period.from > period.to) out.push({ field: 'analysis_period.to', problem: 'before analysis_period.from: the period must run from the earlier date to the later one', value: period.to });
  for (const [field, value] of [['analysis_period.from', period.from], ['analysis_period.to', period.to], ['dates.received', dates.received], ['dates.results_shared', dates.results_shared], ['dates.publication', dates.publication]] as const)
    if (value && value > today) out.push({ field, problem: 'after today: a date in the future cannot be right', value });
  if (dates.received && dates.results_shared && dates.results_shared < dates.received) out.push({ field: 'dates.results_shared', problem: 'before dates.received: results cannot be shared before the request was received', value: dates.results_shared });
  if (dates.received && dates.publication && dates.publication < dates.received) out.push({ field: 'dates.publication', problem: 'before dates.received: results cannot be published before the request was received', value: dates.publication });
  return out;
}
