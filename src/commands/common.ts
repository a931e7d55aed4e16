// Options and checks several commands share, so each flag reads and behaves the same everywhere.
import { checkRequestId, readPurgeMarker } from '../request.ts';
import type { Project } from '../project.ts';
import type { OptionSpec } from './command.ts';

export const requestOption = { type: 'string', arg: 'ID', description: 'the request (its folder name under data/requests)' } as const satisfies OptionSpec;
export const jsonOption = { type: 'boolean', description: 'print the result as JSON on stdout (errors too)' } as const satisfies OptionSpec;
export const waitOption = { type: 'string', arg: 'SECONDS', description: 'wait up to this long for a lock held by another run (default: do not wait)' } as const satisfies OptionSpec;
export const dryRunOption = { type: 'boolean', description: 'print exactly what would be deleted, and delete nothing' } as const satisfies OptionSpec;
export const yesOption = { type: 'boolean', description: 'do not ask for confirmation on a terminal' } as const satisfies OptionSpec;

/** The requests the project knows: listed by the config's hook, or with run records. */
export async function knownRequests(project: Project): Promise<string[]> {
  const listed = project.config.requests ? await project.config.requests({ dataDir: project.dataDir, root: project.root }) : [];
  const recorded = project.records.requests().filter((r) => project.records.list(r).length > 0 || readPurgeMarker(project, r));
  return [...new Set([...listed, ...recorded])].filter((r) => !checkRequestId(r)).sort();
}

/**
 * undefined when the request can be acted on, else the usage error. With a requests hook, a
 * request must be one it lists, or one with run records (a purged request has no folder left).
 */
export async function checkKnownRequest(project: Project, request: string | undefined, options: { mustHaveInputs?: boolean; optional?: boolean } = {}): Promise<string | undefined> {
  // `optional`: a command that works on every request when none is named.
  if (request === undefined && options.optional) return undefined;
  const bad = checkRequestId(request);
  if (bad) return bad;
  if (!project.config.requests) return undefined;
  const listed = await project.config.requests({ dataDir: project.dataDir, root: project.root });
  if (listed.includes(request!)) return undefined;
  const recorded = project.records.list(request!).length > 0 || !!readPurgeMarker(project, request!);
  if (recorded && !options.mustHaveInputs) return undefined;
  if (recorded && readPurgeMarker(project, request!)) return undefined; // the runner says "purged on ..."
  return `unknown request ${request}: no such request (see \`pipeline requests\`; \`pipeline init --request ${request}\` makes one)`;
}

/** A whole number of at least `min`, or the usage error. */
export function wholeNumber(flag: string, text: string | undefined, fallback: number, min = 0): number | string {
  if (text === undefined) return fallback;
  // Digits only: Number() would also take '1e3', '0x10' and ' 7 ', which nobody means as a count.
  const n = /^[0-9]{1,9}$/.test(text) ? Number(text) : NaN;
  return Number.isInteger(n) && n >= min ? n : `--${flag} takes a whole number, at least ${min} (got ${JSON.stringify(text)})`;
}

/** A --reason is kept after the request is purged (deletion register, access log): it must not identify anyone. */
export const REASON_NAMES_PERSON = "--reason names a person of the request (a full name or an id of its cohort): reasons are kept after the request is purged (deletion register, access log), which must hold no identifier; say why without naming them (e.g. 'withdrawn at the provider's request')";
