// Deleted on receipt (DPIA, risk management: "Any data provided without a secure account is
// deleted upon receipt", "will be deleted and purged, explaining as such to the customer"). A
// request sent over an insecure channel is not read at all: intake writes this notice for the
// analyst to send back to the provider (why, what was deleted, how to resend) and asks the
// framework to delete every file of the request at once, recording each deletion. The notice
// names files by name, size and checksum, never by anything inside them.
import { readdirSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export interface DeletedFile {
  name: string;
  bytes: number;
  sha256: string;
}

/** The files of the request folder as they arrived (names relative to it), sorted. */
export function receivedFiles(dir: string): DeletedFile[] {
  const out: DeletedFile[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.push({ name: relative(dir, p).split(sep).join('/'), bytes: statSync(p).size, sha256: createHash('sha256').update(readFileSync(p)).digest('hex') });
    }
  };
  walk(dir);
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface NoticeFacts {
  request: string;
  organisation: string | null;
  received: string | null;
  channel: string | null;
  allowedChannels: string[];
  files: DeletedFile[];
}

export function noticeHtml(f: NoticeFacts): string {
  const rows = f.files.map((x) => `<tr><td>${escape(x.name)}</td><td>${x.bytes.toLocaleString('en-GB')}</td><td><code>${x.sha256}</code></td></tr>`).join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Request ${escape(f.request)}: your data was deleted on receipt</title></head>
<body>
<h1>Request ${escape(f.request)}: your data was deleted on receipt</h1>
<p>To${f.organisation ? ` ${escape(f.organisation)}` : ' the provider'},</p>
<h2>Why</h2>
<p>Your request${f.received ? ` (received ${escape(f.received)})` : ''} was sent ${f.channel ? `by <strong>${escape(f.channel)}</strong>, which is not` : 'without naming'} a secure transfer channel. The Justice Data Lab only accepts personal data sent from a secure account (${f.allowedChannels.map(escape).join(', ')}). Data provided without a secure account is deleted upon receipt, without being read or analysed.</p>
<h2>What was deleted</h2>
<p>Every file of the request, ${f.files.length} in all, was permanently deleted on receipt. Each deletion is recorded in our deletion register by the checksum below (the register holds no names, dates or other values).</p>
<table><thead><tr><th>File</th><th>Bytes</th><th>SHA-256</th></tr></thead><tbody>
${rows}
</tbody></table>
<h2>How to resend</h2>
<ol>
<li>Send the request form and the completed upload template again from a secure account (${f.allowedChannels.map(escape).join(', ')}) to the Justice Data Lab's secure mailbox.</li>
<li>Set <code>transfer_channel</code> in the request form to the channel you used.</li>
<li>Do not resend the data by ordinary email. If it was sent insecurely to anyone else, follow your own organisation's data-breach procedure.</li>
</ol>
</body></html>
`;
}
