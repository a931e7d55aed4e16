import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describePath, erratum, readShared } from '../../stages/report/erratum.ts';

const results = (treated: number, rate: number, provenanceKey = 'a'.repeat(64)) => ({
  format: 'jdl-results',
  summary: 'The overall results show ...',
  analyses: [{ id: 'headline', group_sizes: { treatment: treated, comparison: 1000 }, measures: [{ measure: 'reoff', treatment: { n: treated, mean: rate }, significant: true }] }],
  provenance: { key: provenanceKey, inputs: {} },
});

test('before anything was shared the report is version 1 with no erratum', () => {
  assert.equal(erratum([], results(100, 40)), { version: 1, replaces: null, changes: [] });
});

test('the same figures as the last shared version keep its number, whatever the provenance says', () => {
  const shared = [{ version: 1, shared_on: '2025-03-01', results: results(100, 40) }];
  assert.equal(erratum(shared, results(100, 40, 'b'.repeat(64))), { version: 1, replaces: null, changes: [] });
});

test('changed figures make the next version, and each change is named in words', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shared-'));
  writeFileSync(join(dir, 'v1-results.json'), JSON.stringify({ version: 1, shared_on: '2025-03-01', results: results(100, 40) }));
  writeFileSync(join(dir, 'v2-results.json'), JSON.stringify({ version: 2, shared_on: '2025-04-01', results: results(99, 40) }));
  writeFileSync(join(dir, 'notes.txt'), 'not a version');
  const shared = readShared(dir);
  assert.equal(shared.map((s) => s.version), [1, 2]);
  const e = erratum(shared, results(98, 38));
  assert.is(e.version, 3);
  assert.equal(e.replaces, { version: 2, shared_on: '2025-04-01' });
  assert.equal(e.changes, [
    { what: 'Group size: treatment', before: '99', after: '98' },
    { what: 'Rate of reoffending: number in the treatment group', before: '99', after: '98' },
    { what: 'Rate of reoffending: treatment group', before: '40', after: '38' },
  ]);
});

test('paths outside the measures are still readable', () => {
  assert.is(describePath('$.summary'), 'Summary');
  assert.is(describePath('$.analyses[id=headline].measures[measure=reoff_freq].p_display'), 'Frequency of reoffending: p-value');
});

test.run();
