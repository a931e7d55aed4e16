// `pipeline audit`: the deletion register's chain, identifiers of purged requests left anywhere
// under the data folder, and personal data held past its due date.
import { runAudit } from '../retention.ts';
import { auditSummary } from '../audit.ts';
import { defineCommand, printJson } from './command.ts';
import { jsonOption } from './common.ts';
import { EXIT } from './exit.ts';

export default defineCommand({
  name: 'audit',
  summary: 'check the deletion register, scan for identifiers of purged requests, list overdue personal data',
  usage: '[--deep] [--json]',
  description: 'Exit 0 when the audit passes, 1 when it finds anything. Findings name files and lines, never values.',
  options: {
    deep: { type: 'boolean', description: 'also scan pseudonymised tables in the store (slow at national scale)' },
    json: jsonOption,
  },
  async run({ values, project }): Promise<number> {
    const report = await runAudit(await project(), !!values.deep);
    if (values.json) {
      printJson(report);
      return report.ok ? EXIT.ok : EXIT.failed;
    }
    const out = (line: string) => process.stdout.write(line + '\n');
    out(`deletion register: ${report.registerEntries} entries, chain ${report.chain.length ? 'BROKEN' : 'intact'}`);
    for (const p of [...report.chain, ...report.markers]) out(`  ${p}`);
    out(`identifier scan: ${report.scanned} file(s) scanned, ${report.findings.length} finding(s)${report.skipped.length ? `, ${report.skipped.length} skipped (see --json)` : ''}`);
    for (const f of report.findings) out(`  ${f.file}, line ${f.line}: identifier of purged request ${f.request}`);
    if (report.excused) out(`  ${report.excused} match(es) in another live request's own data, of people it also holds: not leaks`);
    out(`temporary files: ${report.temporary.removedFiles} file(s) in ${report.temporary.removedFolders} work folder(s) of dead runs removed; ${report.temporary.held} held by running processes, scanned`);
    out(`retention: ${report.overdue.length} request(s) holding personal data past the due date`);
    for (const o of report.overdue) out(`  request ${o.request}: due ${o.due}, ${o.blobs} personal blob(s) still held`);
    out(`register digest (keep it with this audit's date): ${report.head ? `entry ${report.head.seq}, ${report.head.hash}` : 'empty register'}`);
    out(`audit ${auditSummary(report)}`);
    return report.ok ? EXIT.ok : EXIT.failed;
  },
});
