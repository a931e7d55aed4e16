// After results were shared, a new version that fails the differencing check (metrics/disclosure.ts)
// is not issued: the last shared version stands, with a note saying why. Its figures are the ones
// frozen by `share` (v<N>-results.json) and, where `share` froze it too, its report page
// (v<N>-report.html) with the note added at the top.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Json } from '../../src/stage.ts';
import { DISCLOSURE_THRESHOLD } from '../metrics/disclosure.ts';
import type { SharedVersion } from './erratum.ts';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export function withheldNote(last: SharedVersion): string {
  return `The figures of version ${last.version}, shared on ${last.shared_on}, stand. The data of this request has changed since (for example, a person was withdrawn), but re-issuing the figures would let a reader compare the two versions and learn about fewer than ${DISCLOSURE_THRESHOLD} people, so they are not re-issued.`;
}

export function sharedReportFile(sharedDir: string, version: number): string {
  return join(sharedDir, `v${version}-report.html`);
}

/** The last shared version's results and report page, with the note. */
export function keptVersion(sharedDir: string | undefined, last: SharedVersion): { results: Record<string, Json>; html: string } {
  const note = withheldNote(last);
  const aside = `<aside id="not-reissued" class="note" role="note"><strong>Not re-issued.</strong> ${escape(note)}</aside>`;
  const frozen = sharedDir ? sharedReportFile(sharedDir, last.version) : undefined;
  let html: string;
  if (frozen && existsSync(frozen)) {
    const page = readFileSync(frozen, 'utf8');
    const body = /<body[^>]*>/i.exec(page);
    html = body ? page.slice(0, body.index + body[0].length) + '\n' + aside + page.slice(body.index + body[0].length) : aside + page;
  } else {
    html = `<!doctype html>\n<html lang="en"><head><meta charset="utf-8"><title>Results: version ${last.version} stands</title></head>\n<body>\n${aside}\n<p>The report of version ${last.version}, as shared on ${escape(last.shared_on)}, is the one in force.</p>\n</body></html>\n`;
  }
  return { results: last.results, html };
}
