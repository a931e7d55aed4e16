// Hand-made probes (probes.ts) planted in a small synthetic register, linked by the `link` tool
// together with a synthetic programme's cohort (so the model has data to learn from), twice: with
// the cohort's PNC ids (m from identifier-labelled pairs) and without them (m by EM). Each probe
// must get its expected register person, or none. Also: the share of true pairs that blocking
// keeps, measured against the synthetic truth.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PROGRAMME, DEFAULT_SEED, synthesize } from '../../synth/index.ts';
import { Duck } from '../../src/duck.ts';
import { linkFiles } from '../../stages/linkage/link-files.ts';
import { loadLinkInputs } from '../../stages/linkage/input-files.ts';
import { link } from '../../stages/linkage/link.ts';
import { worldPaths } from './synth-world.ts';
import { PROBE_PEOPLE, PROBE_ROWS } from './probes.ts';
import { testTempDir } from '../helpers/temp-dir.ts';

const LINKAGE_DIR = new URL('../../stages/linkage/', import.meta.url).pathname;
let dir: string;
let baseRows: number;
let truth: string;
const ddmmyyyy = (d: string | null) => (d ? `${d.slice(8, 10)}/${d.slice(5, 7)}/${d.slice(0, 4)}` : '');

test.before(async () => {
  dir = testTempDir('linkage-probes-');
  await synthesize({ dataDir: dir, seed: DEFAULT_SEED + 7, people: 30_000, programmes: [{ ...DEMO_PROGRAMME, cohort: 500 }] });
  const w = worldPaths(dir, DEMO_PROGRAMME.id);
  truth = w.truth;
  writeFileSync(join(dir, 'probe-people.json'), JSON.stringify(PROBE_PEOPLE));
  const db = await Duck.open({ threads: 2 });
  try {
    await db.run(
      `COPY (SELECT register_id, forename, surname, dob, gender, pnc_id FROM read_parquet($people)
             UNION ALL SELECT register_id, forename, surname, dob::DATE, gender, NULL FROM read_json($probes)
             ORDER BY register_id) TO $out (FORMAT parquet)`,
      { people: join(w.reference, 'people.parquet'), probes: join(dir, 'probe-people.json'), out: join(dir, 'people.parquet') },
    );
  } finally {
    db.close();
  }
  const base = readFileSync(w.cohortCsv, 'utf8').trimEnd().split('\n');
  baseRows = base.length - 1;
  const probeLines = PROBE_ROWS.map((p) => `${p.key},${p.surname},${p.forename},${ddmmyyyy(p.dob)},${p.gender ?? ''},,,,,,,,`);
  writeFileSync(join(dir, 'cohort.csv'), [...base, ...probeLines].join('\n') + '\n');
  // the same without the PNC ids, so the model's m comes from EM
  const header = base[0]!.split(',');
  const pnc = header.indexOf('pnc_id');
  const strip = (line: string) => line.split(',').map((v, i) => (i === pnc ? '' : v)).join(',');
  writeFileSync(join(dir, 'cohort-no-pnc.csv'), [base[0]!, ...base.slice(1).map(strip), ...probeLines].join('\n') + '\n');
});

async function probeLinks(cohort: string, out: string) {
  const result = await linkFiles({ cohort, people: join(dir, 'people.parquet'), out });
  const db = await Duck.open({ threads: 1 });
  try {
    const links = await db.json<{ row: number; status: string; register_id: string | null }>(
      'SELECT row, status, register_id FROM read_parquet($p) WHERE row > $n ORDER BY row',
      { p: result.files.links, n: baseRows + 1 },
    );
    const model = JSON.parse(readFileSync(result.files.model, 'utf8'));
    return { links, model };
  } finally {
    db.close();
  }
}

for (const variant of ['with PNC ids (m from labelled pairs)', 'without PNC ids (m by EM)'] as const) {
  test(`probes, ${variant}`, async () => {
    const labelled = variant.startsWith('with');
    const { links, model } = await probeLinks(join(dir, labelled ? 'cohort.csv' : 'cohort-no-pnc.csv'), join(dir, labelled ? 'out-pnc' : 'out-em'));
    assert.is(model.training.m_from.includes('PNC'), labelled, model.training.m_from);
    const wrong: string[] = [];
    PROBE_ROWS.forEach((p, i) => {
      const l = links.find((x) => x.row === baseRows + 2 + i)!;
      const got = l.register_id === null ? null : Number(l.register_id);
      if (got !== p.expect) wrong.push(`${p.key} ${p.what}: ${l.status} ${got}, expected ${p.expect}`);
    });
    assert.equal(wrong, []);
  });
}

test('blocking keeps at least 99 % of the true pairs of the synthetic cohort', async () => {
  const db = await Duck.open({ threads: 2 });
  try {
    await loadLinkInputs(db, { cohort: join(dir, 'cohort.csv'), people: join(dir, 'people.parquet') });
    await link(db, LINKAGE_DIR, { withEvents: false, source: 'both' });
    const r = (await db.one<{ pairs: number; kept: number }>(
      `SELECT count(*)::INTEGER AS pairs, count(k.row)::INTEGER AS kept
       FROM read_csv($truth, header = true, types = {'row': 'INTEGER', 'register_id': 'BIGINT'}) t
       JOIN people_in p ON p.register_id = t.register_id::VARCHAR
       LEFT JOIN candidates k ON k.row = t.row AND k.rid = p.rid
       WHERE t.register_id IS NOT NULL`,
      { truth },
    ))!;
    assert.ok(r.pairs > 400, `true pairs ${r.pairs}`);
    assert.ok(r.kept / r.pairs >= 0.99, `blocking kept ${r.kept} of ${r.pairs}`);
  } finally {
    db.close();
  }
});

test.run();
