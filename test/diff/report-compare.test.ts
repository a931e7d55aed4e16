// Two versions of a report compared for a reviewer: blocks aligned, changed words marked, nothing
// truncated; a table of every measure with the flips; which runs `--against` picks, failed runs
// skipped; and the generic diff page says when it lists only some changes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { compareBlocks, compareMeasures, compareReports, textBlocks, wordDiff } from '../../stages/report/compare.ts';
import { comparisonHtml, comparisonText } from '../../stages/report/compare-render.ts';
import { describeJsonChange, runsAgainst } from '../../src/diff.ts';
import { renderHtml } from '../../src/diff-html.ts';
import type { RunDiff } from '../../src/diff.ts';

const LONG_OLD = 'The overall results show that those who took part in the programme were less likely to reoffend than those who did not.';
const LONG_NEW = 'The overall results show that those who took part in the programme were less likely to reoffend and took longer to reoffend than those who did not.';
const page = (summary: string, rows: string) =>
  `<html><head><title>x</title><style>p { color: red }</style></head><body><main><section id="summary"><p class="summary">${summary}</p></section>` +
  `<table><tr><td>Rate</td><td>594</td><td>-10 to -2</td></tr>${rows}</table><svg><text>0.25</text></svg><p>Tom &amp; Jerry&#39;s</p></main></body></html>`;

test('text blocks: one per paragraph and table row, no style, no chart ticks, entities decoded', () => {
  assert.equal(textBlocks(page(LONG_OLD, '')), [LONG_OLD, 'Rate | 594 | -10 to -2', "Tom & Jerry's"]);
});

test('a changed sentence is one changed row holding both sentences in full, the changed words marked', () => {
  const rows = compareBlocks(page(LONG_OLD, '<tr><td>Time</td><td>225</td><td>0 to 29</td></tr>'), page(LONG_NEW, '<tr><td>Time</td><td>224</td><td>0.1 to 30</td></tr>'));
  const changed = rows.filter((r) => r.kind === 'changed');
  assert.is(changed.length, 2);
  assert.is(changed[0]!.before, LONG_OLD, 'not truncated');
  assert.is(changed[0]!.after, LONG_NEW);
  assert.equal(changed[0]!.afterWords!.filter((w) => w.changed).map((w) => w.text), ['and', 'took', 'longer', 'to', 'reoffend']);
  assert.equal(changed[1]!.beforeWords!.filter((w) => w.changed).map((w) => w.text), ['225', '0', '29']);
  assert.equal(rows.filter((r) => r.kind === 'same').map((r) => r.before), ['Rate | 594 | -10 to -2', "Tom & Jerry's"]);
  const w = wordDiff('a b c', 'a x c');
  assert.equal([w.before.map((x) => x.changed), w.after.map((x) => x.changed)], [[false, true, false], [false, true, false]]);
});

const measure = (id: string, est: number, printed: string, p: string, sig: boolean) => ({ measure: id, shown: true, difference: { estimate: est, lower: 0, upper: 0, printed }, p_display: p, significant: sig });
const results = (timeSig: boolean) => ({
  analyses: [
    { id: 'headline', label: 'Headline analysis', measures: [measure('reoff', -6, '-10 to -2', '0.01', true), measure('days_to_first', timeSig ? 15 : 14, timeSig ? '0.1 to 30' : '-0.4 to 29', timeSig ? '0.04' : '0.06', timeSig), { measure: 'first_custody', shown: false, withheld_reason: 'np_below_10' }] },
  ],
});

test('the measures table: every measure, old and new, the change, and the flips', () => {
  const rows = compareMeasures(results(false), results(true));
  assert.equal(rows.map((r) => r.measure), ['reoff', 'days_to_first', 'first_custody']);
  const t = rows[1]!;
  assert.equal([t.before, t.after, t.change, t.pBefore, t.pAfter, t.flipped], ['14 (-0.4 to 29)', '15 (0.1 to 30)', '+1', '0.06', '0.04', true]);
  assert.is(rows[0]!.flipped, false);
  assert.is(rows[2]!.before, 'withheld (np below 10)');
  const c = compareReports({ beforeLabel: 'version 1', afterLabel: 'run X', beforeHtml: page(LONG_OLD, ''), afterHtml: page(LONG_NEW, ''), beforeResults: results(false), afterResults: results(true) });
  assert.is(c.flips, 1);
  const html = comparisonHtml(c);
  assert.match(html, /1 measure changed significance: Time to first reoffence \(now significant\)/);
  assert.match(html, /<tr class="flipped"><td>Headline analysis<\/td><td>Time to first reoffence<\/td>/);
  assert.ok(html.includes(`<td>${LONG_OLD.replace(/than those/, 'than those')}`.slice(0, 40)));
  assert.match(html, /<details class="same"><summary>2 unchanged blocks<\/summary>/, 'unchanged blocks are counted and kept, not dropped');
  assert.not.match(html, /<script/);
  assert.match(comparisonText(c), /FLIPPED Time to first reoffence: 14 \(-0\.4 to 29\) -> 15 \(0\.1 to 30\) days; p 0\.06 -> 0\.04/);
});

test('--against: previous and latest skip failed runs; a named run comes from the configuration', () => {
  const all = ['r1', 'r2', 'r3-failed', 'r4', 'r5-failed'];
  const ok = ['r1', 'r2', 'r4'];
  assert.equal(runsAgainst(all, ok, 'previous', []), { a: 'r2', b: 'r4' });
  assert.equal(runsAgainst(all, ok, 'previous', ['r2']), { a: 'r1', b: 'r2' });
  assert.equal(runsAgainst(all, ok, 'latest', ['r1']), { a: 'r1', b: 'r4' });
  assert.equal(runsAgainst(all, ok, 'latest', []), { a: 'r2', b: 'r4' });
  assert.equal(runsAgainst(all, ok, 'shared', [], () => ({ run: 'r1' })), { a: 'r1', b: 'r4' });
  assert.ok('error' in runsAgainst(all, ok, 'shared', [], () => ({ error: 'never shared' })));
  assert.ok('error' in runsAgainst(all, ['r1'], 'previous', []), 'one successful run: nothing to compare');
  assert.ok('error' in runsAgainst(all, ok, 'nonsense', []));
});

test('the generic diff page says how many changes it lists and never shortens a value', () => {
  const long = 'x'.repeat(300);
  const d: RunDiff = {
    request: '1',
    a: { run: 'a', status: 'ok', finished: '' },
    b: { run: 'b', status: 'ok', finished: '' },
    tolerance: { abs: 0, rel: 0 },
    showPersonal: false,
    differences: 1,
    stages: [{
      stage: 'report', keyChanges: [], statusA: 'ran', statusB: 'ran',
      outputs: [{ output: 'results', format: 'json', classification: 'aggregate', state: 'changed', json: { changes: 45, beyondTolerance: 45, withinTolerance: 0, valuesShown: true, shown: [{ path: '$.summary', kind: 'changed', before: long, after: `${long}y` }] } }],
    }],
  };
  const html = renderHtml(d, [{ id: 'extra', html: '<section id="extra">side by side</section>', css: '.x{}', text: '' }]);
  assert.match(html, /1 of 45 changed paths listed; <code>--limit N<\/code> lists more/);
  assert.ok(html.includes(`${long}y`), 'the whole value, not cut at 80 characters');
  assert.ok(html.indexOf('id="extra"') < html.indexOf('Every output, stage by stage'), 'the configuration\'s sections come first');
});

test('in the terminal, two long values that differ only after the cut are shown whole', () => {
  const line = describeJsonChange({ path: '$.summary', kind: 'changed', before: LONG_OLD, after: LONG_NEW });
  assert.ok(line.includes(LONG_OLD) && line.includes(LONG_NEW), line);
  const short = describeJsonChange({ path: '$.x', kind: 'changed', before: `a${'x'.repeat(200)}`, after: `b${'x'.repeat(200)}` });
  assert.ok(short.includes('...'), 'values that differ early are still shortened');
});

test.run();
