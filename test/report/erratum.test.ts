// The erratum of a re-issued report, from two results files alone: material changes first (a
// significance that flips), human labels, formatted numbers, what the provider changed, and never
// an object or a field path where a reader expects words.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { erratum, readShared } from '../../stages/report/erratum.ts';
import type { Json } from '../../src/stage.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

interface Opts {
  treated?: number;
  rate?: number;
  timeLower?: number;
  timeSig?: boolean;
  p?: string;
  female?: number;
  entries?: number;
  file?: string;
  summary?: string;
  provenanceKey?: string;
}

/** A results file in the shape stages/report/results.ts writes (the parts the erratum reads). */
const results = (o: Opts = {}): Record<string, Json> => ({
  format: 'jdl-results',
  version: 2,
  publishable: true,
  summary: o.summary ?? 'The overall results show that those who took part in the programme were less likely to reoffend than those who did not.',
  text: {
    summary: o.summary ?? 'The overall results show that those who took part in the programme were less likely to reoffend than those who did not.',
    headline: [
      {
        measure: 'days_to_first',
        treatment: '166 days was the average time …',
        comparison: '152 days …',
        estimate: 'On average … could be …',
        can_say: o.timeSig
          ? 'This analysis provides evidence that support from Org lengthens the average time to first proven reoffence by between 0.1 and 30 days.'
          : 'This analysis provides evidence that support from Org may shorten the average time to first proven reoffence by up to 0.4 days, or may lengthen it by up to 29 days.',
        cannot_say: 'This analysis shows that Org …',
      },
    ],
  },
  analyses: [
    {
      id: 'headline',
      label: 'Headline analysis',
      group_sizes: { treatment: o.treated ?? 594, comparison: 12545, treatment_reoffenders: 225, comparison_reoffenders: 4763, comparison_weighted: 594, comparison_weighted_reoffenders: 259, comparison_effective: 7289 },
      measures: [
        { measure: 'reoff', shown: true, treatment: { n: o.treated ?? 594, mean: o.rate ?? 38 }, comparison: { n: 12545, mean: 44, effective_n: 7289 }, difference: { estimate: -6, lower: -10, upper: -2, printed: '-10 to -2' }, p_display: '0.01', significant: true, number_needed: { value: 622, counts: 'people', shown: false } },
        {
          measure: 'days_to_first',
          shown: true,
          treatment: { n: 225, mean: 166 },
          comparison: { n: 4763, mean: 152 },
          difference: { estimate: 14, lower: o.timeLower ?? -0.42, upper: 29, printed: o.timeSig ? '0.1 to 30' : '-0.4 to 29' },
          p_display: o.p ?? '0.06',
          significant: o.timeSig ?? false,
          number_needed: { value: 483, counts: 'reoffenders', shown: false },
        },
      ],
    },
  ],
  profile: { n: o.treated ?? 594, sections: [{ section: 'sex', total: o.treated ?? 594, cells: [{ category: 'Female', count: o.female ?? 83, percent: 14, suppressed: false }] }] },
  attrition: { submitted: o.entries ?? 630, losses: [{ reason: 'no_match', count: 16, percent: '3%', unit: 'people', text: 'could not be found on the national offender register' }], treatment: o.treated ?? 594 },
  linkage: { tiers: [{ tier: 'Name, date of birth and sex (exact)', count: o.treated === 593 ? 345 : 346 }], total: 595, note: null },
  source: { cohort_file: o.file ?? 'cohort.csv', entries: o.entries ?? 630 },
  provenance: { key: o.provenanceKey ?? 'a'.repeat(64), inputs: {} },
}) as unknown as Record<string, Json>;

test('before anything was shared the report is version 1 with no erratum', () => {
  const e = erratum([], results());
  assert.is(e.version, 1);
  assert.is(e.replaces, null);
});

test('the same figures as the last shared version keep its number, whatever the provenance, source or report date says', () => {
  const shared = [{ version: 1, shared_on: '2025-03-01', results: { ...results(), report_date: 'February 2025' } }];
  const e = erratum(shared, { ...results({ provenanceKey: 'b'.repeat(64), file: 'corrections/2025-04-01-cohort.csv' }), report_date: 'March 2025' });
  assert.is(e.version, 1);
  assert.is(e.replaces, null);
});

test('issue 20: a withdrawal that flips a significance puts the flip first, with human labels and printed numbers', () => {
  const before = results();
  const after = results({
    treated: 593, rate: 38, timeLower: 0.11, timeSig: true, p: '0.05', female: 4763, entries: 629, file: 'corrections/2026-11-29-cohort.csv',
    summary: 'The overall results show that those who took part in the programme were less likely to reoffend and took longer to reoffend than those who did not.',
  });
  const e = erratum([{ version: 1, shared_on: '2026-11-29', results: before }], after);
  assert.is(e.version, 2);
  assert.equal(e.replaces, { version: 1, shared_on: '2026-11-29' });
  assert.is(e.lead, 'Time to first reoffence: the difference is now statistically significant (p-value 0.06 → 0.05; 95% interval -0.4 to 29 days → 0.1 to 30 days).');
  assert.is(e.material[0], e.lead);
  assert.ok(e.material[1]!.startsWith('The summary now reads: “The overall results show that those who took part in the programme were less likely to reoffend and took longer to reoffend'), e.material[1]);
  assert.ok(e.material.some((m) => m === 'Group sizes changed: treatment group, people 594 → 593.'), e.material.join('\n'));
  // What the provider changed: from the file name and the number of entries, no personal data.
  assert.is(e.why, 'After those results were shared, the organisation sent a corrected data file (corrections/2026-11-29-cohort.csv) with 1 entry fewer (630 → 629): a withdrawal or a correction. The analysis was run again on it.');
  // Changed "What you can say" wording, whole.
  const can = e.wording.find((w) => w.what === 'What you can say about the time to first reoffence')!;
  assert.ok(can.before.includes('may shorten') && can.after.includes('lengthens the average time to first proven reoffence by between 0.1 and 30 days.'));
  // Numbers formatted as the report prints them; figures outside results' measures too (the tiers).
  assert.ok(e.changes.some((c) => c.what === 'Profile of the treatment group, sex: Female (number)' && c.before === '83' && c.after === '4,763'));
  assert.ok(e.changes.some((c) => c.what === 'Found on the register by Name, date of birth and sex (exact)' && c.before === '346' && c.after === '345'));
  assert.ok(e.changes.some((c) => c.what === 'Time to first reoffence: 95% confidence interval of the difference' && c.before === '-0.4 to 29 days' && c.after === '0.1 to 30 days'));
  // number_needed is not printed for these measures, so it is not in the erratum either.
  assert.not.ok(e.changes.some((c) => /80% chance/.test(c.what)));
  const all = JSON.stringify(e);
  assert.not.match(all, /\[object Object\]/);
  assert.not.match(all, /\bmeasures\[|group_sizes|\.mean\b|p_display|\$\./, 'no field path');
});

test('number needed appears in the erratum only where the report prints it, under its real name', () => {
  const a = results();
  const b = results();
  (a as any).analyses[0].measures[0].number_needed = { value: 622, counts: 'people', shown: true };
  (b as any).analyses[0].measures[0].number_needed = { value: 615, counts: 'people', shown: true };
  const e = erratum([{ version: 1, shared_on: '2025-03-01', results: a }], b);
  assert.equal(e.changes.map((c) => [c.what, c.before, c.after]), [['Rate of reoffending: treatment group size for an 80% chance of a significant result, if the observed difference were true', '622', '615']]);
  assert.ok(e.lead.startsWith('Some figures changed; no statistically significant result'), e.lead);
});

test('shared versions are read in order; other files are ignored', () => {
  const dir = testTempDir('shared-');
  writeFileSync(join(dir, 'v2-results.json'), JSON.stringify({ version: 2, shared_on: '2025-04-01', results: results({ treated: 593 }) }));
  writeFileSync(join(dir, 'v1-results.json'), JSON.stringify({ version: 1, shared_on: '2025-03-01', results: results() }));
  writeFileSync(join(dir, 'notes.txt'), 'not a version');
  const shared = readShared(dir);
  assert.equal(shared.map((s) => s.version), [1, 2]);
  assert.is(erratum(shared, results({ treated: 592 })).version, 3);
});

test('a results file of the older format (version 1) is still compared without objects or paths', () => {
  const old = results() as any;
  delete old.text;
  delete old.source;
  for (const m of old.analyses[0].measures) {
    delete m.difference.printed;
    m.number_needed = 600;
  }
  const e = erratum([{ version: 1, shared_on: '2025-03-01', results: old }], results({ treated: 593 }));
  assert.is(e.version, 2);
  assert.not.match(JSON.stringify(e), /\[object Object\]|measures\[/);
  // Version 1 did not record its source: nothing is claimed about what the provider changed.
  assert.is(e.why, 'The analysis was run again after those results were shared.');
});

test.run();
