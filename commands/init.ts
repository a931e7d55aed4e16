// `pipeline init --request ID`: a new request folder from the templates: a request.json skeleton
// that the request schema accepts (every field the provider must fill says so, and the
// data-protection assurance is false until they give it, so intake refuses the request until
// then) and the Excel upload template. Never overwrites an existing request.
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../src/fsutil.ts';
import { today } from '../src/clock.ts';
import { checkRequestId, readPurgeMarker } from '../src/request.ts';
import { defineCommand, fail, printJson, usageError } from '../src/commands/command.ts';
import { jsonOption, requestOption } from '../src/commands/common.ts';
import { EXIT } from '../src/commands/exit.ts';

const TEMPLATE = fileURLToPath(new URL('../templates/upload-template.xlsx', import.meta.url));

/** A request.json the schema accepts, with every field a provider must fill marked. */
export function requestSkeleton(id: string, received: string): Record<string, unknown> {
  const year = Number(received.slice(0, 4));
  return {
    id,
    organisation: { name: 'FILL IN: your organisation', description: '' },
    programme: { name: 'FILL IN: the programme', description: '', people_term: 'offenders' },
    contact: { name: 'FILL IN: contact name', email: 'fill-in@example.org' },
    transfer_channel: 'cjsm',
    data_protection_assurance: false,
    analysis_period: { from: `${year - 4}-01-01`, to: `${year - 2}-12-31` },
    dates: { received, results_shared: null, publication: null },
    review_period_days: 28,
    retention: { pseudonymised_opt_out: false },
  };
}

const command = defineCommand({
  name: 'init',
  summary: 'make a new request folder: a request.json skeleton and the Excel upload template',
  usage: '--request ID [--json]',
  options: { request: requestOption, json: jsonOption },
  async run({ values, project }): Promise<number> {
    const json = !!values.json;
    const bad = checkRequestId(values.request);
    if (bad) return usageError(command, bad, json);
    const request = values.request!;
    const p = await project();
    const dir = join(p.dataDir, 'requests', request);
    if (existsSync(dir)) return fail(`request ${request} already exists (${relative(process.cwd(), dir)}); nothing was changed`, EXIT.usage, { json });
    if (readPurgeMarker(p, request) || p.records.list(request).length) return fail(`request ${request} was used before (it has run records); choose a new id`, EXIT.usage, { json });
    // 0123 beside 123, or ABC beside abc: one mistyped id away from running, sharing or purging
    // the other request (and one folder on a case-insensitive disk).
    const twin = [...new Set([...(existsSync(join(p.dataDir, 'requests')) ? readdirSync(join(p.dataDir, 'requests')) : []), ...p.records.requests()])].find((other) => other !== request && confusable(other) === confusable(request));
    if (twin) return fail(`request id ${request} would be confused with the existing request ${twin} (they differ only in case or leading zeros); choose another id`, EXIT.usage, { json });
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    writeFileAtomic(join(dir, 'request.json'), JSON.stringify(requestSkeleton(request, today()), null, 2) + '\n', 0o600);
    copyFileSync(TEMPLATE, join(dir, 'cohort.xlsx'));
    chmodSync(join(dir, 'cohort.xlsx'), 0o600); // it will hold personal data
    const made = ['request.json', 'cohort.xlsx'].map((f) => join(dir, f));
    if (json) printJson({ request, folder: dir, files: made });
    else process.stdout.write(`request ${request}: made ${made.map((f) => relative(process.cwd(), f)).join(' and ')}\nfill in request.json (every "FILL IN" field, and data_protection_assurance once given) and the people in cohort.xlsx, then: pipeline --request ${request}\n`);
    return EXIT.ok;
  },
});

export default command;

/** An id as a reader would take it: case and leading zeros of its numbers ignored. */
function confusable(id: string): string {
  return id.toLowerCase().replace(/(^|[^0-9])0+(?=[0-9])/g, '$1');
}
