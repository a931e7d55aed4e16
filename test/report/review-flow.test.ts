// Acceptance of issue 20, end to end on request 123 in a scratch project with the real CLI:
// run -> share refused (nobody approved) -> approve -> share -> the lab corrects its own analysis
// (same people) in a way that flips a significance -> run: version 2, the erratum's first line
// names the flip, no "[object Object]" or field path anywhere in it, and `diff --against shared
// --html` shows the changed sentences side by side. Then version 2 is shared and the provider sends
// a one-row correction: the differencing rule keeps version 2, with the note (docs/privacy.md).
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Duck } from '../../src/duck.ts';
import { makeJusticeProject, pipeline, removeJusticeProjects } from '../helpers/justice-project.ts';

let root = '';
const DAY = '2026-11-10';
const run = (args: string[], env: Record<string, string> = {}) => pipeline(root, args, { PIPELINE_TODAY: DAY, PIPELINE_OPERATOR: 'first.analyst', ...env });
const ok = (args: string[], env: Record<string, string> = {}) => {
  const r = run(args, env);
  assert.is(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
};
const results = () => JSON.parse(readFileSync(join(root, 'data/reports/123/results.json'), 'utf8'));
const latestRecord = () => {
  const dir = join(root, 'data/runs/123');
  const last = readdirSync(dir).filter((f: string) => /^\d{8}T.*\.json$/.test(f)).sort().at(-1)!;
  return JSON.parse(readFileSync(join(dir, last), 'utf8'));
};

test.after(() => removeJusticeProjects());

test('run, then share is refused until a second analyst approves the exact results', async () => {
  root = await makeJusticeProject(['123']);
  ok(['--request', '123']);
  const refused = run(['share', '--request', '123']);
  assert.is(refused.status, 1);
  assert.match(refused.stderr, /have not been approved: a second analyst checks them and runs `approve --request 123 --by NAME`/);
  assert.not.ok(existsSync(join(root, 'data/requests/123/shared')), 'nothing frozen');
  const noReason = run(['share', '--request', '123', '--without-approval']);
  assert.is(noReason.status, 2, 'a reason is required');
  assert.is(run(['approve', '--request', '123']).status, 2, '--by is required');
  // An approval of other bytes than those published is refused.
  assert.is(run(['approve', '--request', '123', '--by', 'Second Analyst', '--hash', '0000']).status, 1);
  assert.match(ok(['approve', '--request', '123', '--by', 'Second Analyst']), /approved by Second Analyst on 2026-11-10/);
  assert.match(ok(['share', '--request', '123']), /version 1 \(results [0-9a-f]{12}\) shared on 2026-11-10, approved by Second Analyst/);
  const frozen = JSON.parse(readFileSync(join(root, 'data/requests/123/shared/v1-results.json'), 'utf8'));
  assert.is(frozen.approval.by, 'Second Analyst');
  assert.ok(existsSync(join(root, 'data/requests/123/shared/v1-report.html')), 'the shared report is kept for a later diff');
  const log = readFileSync(join(root, 'data/runs/123/review.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(log.map((e) => e.kind), ['approval', 'shared']);
  // Sharing dates the report (dates.results_shared); re-run, the figures are the same: still version 1.
  ok(['--request', '123']);
  assert.is(results().report_version, 1);
  assert.is(results().erratum, null);
  assert.match(ok(['share', '--request', '123']), /version 1 was already shared on 2026-11-10; its figures have not changed since/);
  assert.is(log[0].results_sha256, log[1].results_sha256);
  assert.is(log[1].approval.by, 'Second Analyst');
});

test("the lab's own analysis corrected over the same people flips a significance: version 2, the erratum leads with the flip; the diff against shared shows both versions", async () => {
  const before = results();
  const rate = before.analyses[0].measures.find((m: { measure: string }) => m.measure === 'reoff');
  // Request 123's headline, the rate of reoffending, is a fragile result: p about 0.03, one end of
  // its interval close to zero.
  assert.is(rate.significant, true);
  assert.ok(rate.fragile.fragile, 'flagged as fragile');
  assert.ok(readFileSync(join(root, 'data/reports/123/report.html'), 'utf8').includes('Rate of reoffending: this result is fragile.'));
  // The analyst's fix, after sharing: matching is specified again with a caliper of 0.5 standard
  // deviations of the logit instead of 0.2 (an analysis change, the people are the same). Over
  // request 123 this turns the headline not significant (p 0.03 -> 0.074) and flips nothing else
  // (found by trying specifications; deterministic). The DPIA: the lab's own erroneous analysis is
  // re-issued with an explanation, so the differencing rule does not hold it back.
  const config = join(root, 'pipeline.config.ts');
  writeFileSync(config, readFileSync(config, 'utf8').replace(
    "return typeof s === 'string' ? resolve(from, s)",
    "if (module === './stages/propensity/stage.ts') return { module: resolve(from, module), params: { caliper: 0.5 } };\n    return typeof s === 'string' ? resolve(from, s)",
  ));
  ok(['--request', '123'], { PIPELINE_TODAY: '2026-11-11' });

  const after = results();
  assert.is(after.report_version, 2);
  const e = after.erratum;
  assert.is(e.lead, e.material[0]);
  assert.match(e.lead, /^Rate of reoffending: the difference is no longer statistically significant \(p-value 0\.0\d+ → 0\.0\d+; 95% interval .+ → .+\)\.$/, e.lead);
  assert.match(e.why, /found an error in its own analysis and corrected it\. The data the figures come from has not changed \(the same 630 entries\)/);
  assert.is(after.source.cohort_sha256, before.source.cohort_sha256, 'the same people');
  assert.not.ok(readFileSync(join(root, 'data/reports/123/report.html'), 'utf8').includes('Not re-issued'));
  const html = readFileSync(join(root, 'data/reports/123/report.html'), 'utf8');
  // The erratum sits after the summary, and its first line is the flip.
  assert.ok(html.indexOf('id="summary"') < html.indexOf('id="erratum"'), 'erratum after the summary');
  const lead = /<p id="erratum-lead"><strong>([^<]*)<\/strong><\/p>/.exec(html)![1]!;
  const unescape = (t: string) => t.replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&amp;/g, '&');
  assert.is(unescape(lead), e.lead);
  const box = html.slice(html.indexOf('id="erratum"'), html.indexOf('</section>', html.indexOf('id="erratum"')));
  for (const bad of [/\[object Object\]/, /measures\[/, /group_sizes/, /\bp_display\b/, /\$\./, /Profile sections/]) assert.not.match(box, bad, String(bad));
  assert.not.match(JSON.stringify(e), /\[object Object\]|measures\[|group_sizes|p_display/);
  // Thousands separators in the figures.
  assert.ok(e.changes.some((c: { before: string; after: string }) => /\d,\d{3}/.test(c.before) || /\d,\d{3}/.test(c.after)), 'formatted numbers');

  // Sharing the new version needs a new approval: the old one was of other bytes.
  assert.is(run(['share', '--request', '123'], { PIPELINE_TODAY: '2026-11-11' }).status, 1);

  const out = join(root, 'diff.html');
  const d = run(['diff', '--request', '123', '--against', 'shared', '--html', out], { PIPELINE_TODAY: '2026-11-11' });
  assert.is(d.status, 0, d.stderr);
  assert.match(d.stdout, /FLIPPED Rate of reoffending/);
  const page = readFileSync(out, 'utf8');
  assert.match(page, /version 1 as shared on 2026-11-10/);
  assert.match(page, /1 measure changed significance: Rate of reoffending \(no longer significant\)/);
  // The changed summary sentence, both sides in full in one row, the new words marked.
  const row = page.split('\n').find((l) => l.startsWith('<tr class="changed">') && l.includes('The overall results show'))!;
  assert.ok(row, 'the summary is a changed row');
  const plain = row.replace(/<\/?mark[^>]*>/g, '');
  assert.ok(plain.includes('<td>The overall results show that those who took part in the programme were less likely to reoffend than those who did not.</td>'), `the old sentence in full: ${plain}`);
  assert.ok(plain.includes('<td>The overall results do not show that the programme had a statistically significant effect'), `the new sentence: ${plain}`);
  assert.match(row, /<mark class="(ins|del)">/);
  // All eleven measures in the table, the flip marked.
  assert.is((page.match(/<tr(?: class="flipped")?><td>Headline analysis<\/td>/g) ?? []).length, 11);
  assert.match(page, /<tr class="flipped"><td>Headline analysis<\/td><td>Rate of reoffending<\/td>/);

  // A run that stops (a 4-person correction is refused at intake) leaves a record; diff skips it.
  const lines = readFileSync(join(root, 'data/requests/123/cohort.csv'), 'utf8').split('\n');
  mkdirSync(join(root, 'data/requests/123/corrections'), { recursive: true });
  writeFileSync(join(root, 'data/requests/123/corrections/2026-11-12-cohort.csv'), lines.slice(0, 5).join('\n'));
  const stopped = run(['--request', '123'], { PIPELINE_TODAY: '2026-11-12' });
  assert.not.equal(stopped.status, 0);
  assert.is(latestRecord().status, 'stopped');
  for (const against of [[], ['--against', 'previous']]) {
    const prev = run(['diff', '--request', '123', ...against], { PIPELINE_TODAY: '2026-11-12' });
    assert.is(prev.status, 0, prev.stderr);
    assert.match(prev.stdout, /^diff of request 123: run \S+ \(ok\) -> run \S+ \(ok\)/);
  }
});

test('a one-row correction from the provider after version 2 was shared: version 2 stands, with the note, and is not re-issued', async () => {
  assert.is(results().report_version, 2);
  const DAY2 = '2026-11-13';
  ok(['approve', '--request', '123', '--by', 'Second Analyst'], { PIPELINE_TODAY: DAY2 });
  assert.match(ok(['share', '--request', '123'], { PIPELINE_TODAY: DAY2 }), /version 2 \(results [0-9a-f]{12}\) shared on 2026-11-13/);
  const shared = JSON.parse(readFileSync(join(root, 'data/requests/123/shared/v2-results.json'), 'utf8'));
  // The provider blanks the row of the treated reoffender who reoffended soonest (row numbers stay
  // put): the people change by one, which a reader holding both versions could learn about.
  const dir = join(root, 'data/runs/123');
  const rec = readdirSync(dir).filter((f: string) => /^\d{8}T.*\.json$/.test(f)).sort().map((f: string) => JSON.parse(readFileSync(join(dir, f), 'utf8'))).filter((r: { status: string }) => r.status === 'ok').at(-1)!;
  const blob = (h: string) => join(root, 'data/store/objects', h);
  const db = await Duck.open({ threads: 1 });
  const first = await db.one<{ row: number }>(
    "SELECT l.row::INTEGER AS row FROM read_parquet($links) l JOIN read_parquet($events) e USING (event_id) WHERE l.status = 'linked' AND e.reoff = 1 ORDER BY e.days_to_first, l.row LIMIT 1",
    { links: blob(rec.stages.linkage.outputs.links.hash), events: blob(rec.stages.register.outputs.events.hash) },
  );
  db.close();
  const lines = readFileSync(join(root, 'data/requests/123/cohort.csv'), 'utf8').split('\n');
  lines[first!.row - 1] = '';
  writeFileSync(join(root, 'data/requests/123/corrections/2026-11-13-cohort.csv'), lines.join('\n'));
  ok(['--request', '123'], { PIPELINE_TODAY: DAY2 });
  const now = results();
  assert.is(now.report_version, 2, 'not re-issued');
  assert.equal(now, shared.results, 'the shared figures stand, byte for byte');
  const html = readFileSync(join(root, 'data/reports/123/report.html'), 'utf8');
  assert.match(html, /<strong>Not re-issued\.<\/strong> The figures of version 2, shared on 2026-11-13, stand\./);
});

test.run();
