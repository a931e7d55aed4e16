// The register's shape (docs/data-contracts.md) and sanity of its distributions, checked with SQL
// written here from the contract's definitions, not with the generator's own numbers.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Duck } from '../../src/duck.ts';
import { isValidPnc } from '../../synth/index.ts';
import { num, openWorld, sharedWorld, SMALL_PEOPLE } from './helpers.ts';

let dataDir = '';
let db: Duck;

test.before(async () => {
  dataDir = await sharedWorld(7);
  db = await openWorld(dataDir);
});
test.after(() => db.close());

const CONTRACT: Record<string, Record<string, string>> = {
  people: { register_id: 'BIGINT', pnc_id: 'VARCHAR', forename: 'VARCHAR', surname: 'VARCHAR', dob: 'DATE', gender: 'VARCHAR', ethnicity: 'VARCHAR', nationality: 'VARCHAR', region: 'VARCHAR' },
  prison_numbers: { register_id: 'BIGINT', prison_number: 'VARCHAR', first_used: 'DATE' },
  disposals: { disposal_id: 'BIGINT', register_id: 'BIGINT', disposal_date: 'DATE', disposal_type: 'VARCHAR', sentence_months: 'DOUBLE', release_date: 'DATE', court: 'VARCHAR' },
  offences: { offence_id: 'BIGINT', register_id: 'BIGINT', disposal_id: 'BIGINT', offence_date: 'DATE', proven_date: 'DATE', offence_type: 'VARCHAR', mode_of_trial: 'VARCHAR' },
  spells: { register_id: 'BIGINT', spell_type: 'VARCHAR', start_date: 'DATE', end_date: 'DATE' },
  assessments: {
    register_id: 'BIGINT', assessment_date: 'DATE', ogrs: 'DOUBLE', need_accommodation: 'INTEGER', need_employment: 'INTEGER',
    need_relationships: 'INTEGER', need_lifestyle: 'INTEGER', need_drugs: 'INTEGER', need_alcohol: 'INTEGER', need_thinking: 'INTEGER', need_attitudes: 'INTEGER',
  },
};

test('every register file has exactly the contract columns and types', async () => {
  for (const [table, columns] of Object.entries(CONTRACT)) {
    const got = await db.all<{ column_name: string; column_type: string }>(`DESCRIBE ${table}`);
    assert.equal(Object.fromEntries(got.map((c) => [c.column_name, c.column_type])), columns, table);
  }
  const extract = JSON.parse(readFileSync(join(dataDir, 'reference', 'extract.json'), 'utf8'));
  assert.equal(Object.keys(extract).sort(), ['extract_date', 'generator_version', 'people', 'seed']);
  assert.is(extract.people, SMALL_PEOPLE);
  assert.is(extract.seed, 7);
});

test('files with names or identifiers are readable by their owner only', () => {
  for (const file of ['reference/people.parquet', 'reference/prison_numbers.parquet', 'requests/t1/cohort.csv', 'truth/t1/truth.csv']) {
    assert.is(statSync(join(dataDir, file)).mode & 0o777, 0o600, file);
  }
});

test('categorical values are the contract values', async () => {
  const values = async (sql: string) => (await db.all<{ v: string | null }>(sql)).map((r) => r.v);
  const sorted = (xs: string[]) => [...xs].sort();
  assert.equal(await values('SELECT DISTINCT gender AS v FROM people ORDER BY 1'), ['F', 'M']);
  assert.equal(await values('SELECT DISTINCT ethnicity AS v FROM people ORDER BY 1'), sorted(['White', 'Black', 'Asian', 'Mixed', 'Other', 'Unknown']));
  assert.equal(await values('SELECT DISTINCT nationality AS v FROM people ORDER BY 1'), sorted(['UK', 'Non-UK', 'Unknown']));
  assert.equal(
    await values('SELECT DISTINCT region AS v FROM people ORDER BY 1'),
    sorted(['North East', 'North West', 'Yorkshire and the Humber', 'East Midlands', 'West Midlands', 'East of England', 'London', 'South East', 'South West', 'Wales', 'Unknown']),
  );
  assert.equal(await values('SELECT DISTINCT disposal_type AS v FROM disposals ORDER BY 1'), sorted(['custody', 'suspended', 'community', 'fine', 'discharge', 'caution', 'pnd']));
  assert.equal(await values('SELECT DISTINCT mode_of_trial AS v FROM offences ORDER BY 1'), ['either_way', 'indictable', 'summary']);
  assert.equal(await values('SELECT DISTINCT offence_type AS v FROM offences ORDER BY 1'), sorted(['violence', 'sexual', 'robbery', 'burglary', 'theft', 'criminal_damage', 'drugs', 'weapons', 'public_order', 'motoring', 'fraud', 'other']));
  assert.equal(await values('SELECT DISTINCT spell_type AS v FROM spells ORDER BY 1'), ['benefit', 'employment']);
});

test('disposals, offences and identifiers are internally consistent', async () => {
  const bad = await db.one<Record<string, unknown>>(`SELECT
    (SELECT count(*) FROM disposals WHERE disposal_type IN ('custody', 'suspended', 'community') AND sentence_months IS NULL) AS missing_months,
    (SELECT count(*) FROM disposals WHERE disposal_type NOT IN ('custody', 'suspended', 'community') AND sentence_months IS NOT NULL) AS extra_months,
    (SELECT count(*) FROM disposals WHERE disposal_type <> 'custody' AND release_date IS NOT NULL) AS extra_release,
    (SELECT count(*) FROM disposals WHERE release_date <= disposal_date) AS release_before_sentence,
    (SELECT count(*) FROM disposals WHERE (court IS NULL) <> (disposal_type IN ('caution', 'pnd'))) AS wrong_court,
    (SELECT count(*) FROM offences o JOIN disposals d USING (disposal_id) WHERE o.proven_date <> d.disposal_date OR o.register_id <> d.register_id) AS wrong_proof,
    (SELECT count(*) FROM offences WHERE offence_date > proven_date) AS proven_before_committed,
    (SELECT count(*) FROM disposals d WHERE NOT EXISTS (SELECT 1 FROM offences o WHERE o.disposal_id = d.disposal_id)) AS disposal_without_offence,
    (SELECT count(*) FROM (SELECT pnc_id FROM people WHERE pnc_id IS NOT NULL GROUP BY 1 HAVING count(*) > 1)) AS shared_pnc,
    (SELECT count(*) FROM (SELECT prison_number FROM prison_numbers GROUP BY 1 HAVING count(*) > 1)) AS shared_prison_number,
    (SELECT count(*) FROM people p WHERE (p.pnc_id IS NULL) = EXISTS (SELECT 1 FROM disposals d WHERE d.register_id = p.register_id)) AS pnc_mismatch,
    (SELECT count(*) FROM (SELECT DISTINCT register_id FROM disposals WHERE disposal_type = 'custody') c
       WHERE NOT EXISTS (SELECT 1 FROM prison_numbers n WHERE n.register_id = c.register_id)) AS custody_without_prison_number,
    (SELECT count(*) FROM disposals WHERE disposal_date > DATE '2024-12-31' OR release_date > DATE '2024-12-31') AS after_extract,
    (SELECT count(*) FROM spells WHERE end_date <= start_date) AS empty_spells`);
  for (const [name, value] of Object.entries(bad!)) assert.is(num(value), 0, name);

  // file order is the key order
  for (const [table, key] of [['people', 'register_id'], ['disposals', 'disposal_id'], ['offences', 'offence_id']]) {
    const unordered = await db.one<{ n: bigint }>(`SELECT count(*) AS n FROM ${table} a JOIN ${table} b ON b.rowid = a.rowid + 1 WHERE b.${key} <= a.${key}`);
    assert.is(num(unordered!.n), 0, `${table} in ${key} order`);
  }

  const pncs = await db.all<{ pnc_id: string }>('SELECT pnc_id FROM people WHERE pnc_id IS NOT NULL');
  assert.ok(pncs.length > 0);
  assert.ok(pncs.every((r) => isValidPnc(r.pnc_id)), 'every PNC id has the YYYY/NNNNNNNA shape and a fitting check letter');
  const prisonNumbers = await db.all<{ prison_number: string }>('SELECT prison_number FROM prison_numbers');
  assert.ok(prisonNumbers.every((r) => /^[A-Z]\d{4}[A-Z]{2}$/.test(r.prison_number)));
});

/** One row per index event (docs/data-contracts.md) with the one-year proven reoffending outcome. */
const INDEX_EVENTS = `
  CREATE OR REPLACE TABLE index_events AS
  WITH ev AS (
    SELECT d.disposal_id, d.register_id, d.disposal_type,
      CASE d.disposal_type WHEN 'custody' THEN d.release_date ELSE d.disposal_date END AS index_date
    FROM disposals d
    WHERE d.disposal_type IN ('custody', 'community', 'suspended', 'caution')
  ), proven AS (
    SELECT o.register_id, o.offence_date, o.proven_date
    FROM offences o JOIN disposals d USING (disposal_id)
    WHERE d.disposal_type <> 'pnd'
  )
  SELECT ev.disposal_id, ev.register_id, ev.disposal_type, ev.index_date,
    (ev.index_date - p.dob) / 365.25 AS age_index,
    count(pr.offence_date) > 0 AS reoff
  FROM ev
  JOIN people p USING (register_id)
  LEFT JOIN proven pr ON pr.register_id = ev.register_id
    AND pr.offence_date > ev.index_date
    AND pr.offence_date <= ev.index_date + INTERVAL 1 YEAR
    AND pr.proven_date <= ev.index_date + INTERVAL 1 YEAR + INTERVAL 6 MONTH
  WHERE ev.index_date BETWEEN DATE '2019-01-01' AND DATE '2021-12-31'
  GROUP BY ALL`;

test('index events in 2019-2021: reoffending 25-45 %, sane ages and custody share', async () => {
  await db.run(INDEX_EVENTS);
  const s = (await db.one<Record<string, number>>(`SELECT count(*)::INTEGER AS n,
      avg(reoff::INTEGER) AS rate,
      avg(age_index) AS mean_age, min(age_index) AS min_age, max(age_index) AS max_age,
      avg((disposal_type = 'custody')::INTEGER) AS custody_share,
      avg(reoff::INTEGER) FILTER (WHERE age_index < 25) AS rate_young,
      avg(reoff::INTEGER) FILTER (WHERE age_index >= 40) AS rate_older,
      avg(reoff::INTEGER) FILTER (WHERE disposal_type = 'custody') AS rate_custody,
      avg(reoff::INTEGER) FILTER (WHERE disposal_type = 'caution') AS rate_caution
    FROM index_events`))!;
  assert.ok(s.n > 1000, `enough index events (${s.n})`);
  assert.ok(s.rate >= 0.25 && s.rate <= 0.45, `one-year reoffending rate ${s.rate}`);
  assert.ok(s.mean_age >= 20 && s.mean_age <= 40, `mean age at index ${s.mean_age}`);
  assert.ok(s.min_age >= 10 && s.max_age <= 90, `ages at index ${s.min_age}..${s.max_age}`);
  assert.ok(s.custody_share >= 0.08 && s.custody_share <= 0.35, `custody share of index events ${s.custody_share}`);
  assert.ok(s.rate_young > s.rate_older, 'younger people reoffend more');
  assert.ok(s.rate_custody > s.rate_caution, 'released prisoners reoffend more than people cautioned');
});

test('people: ages 10-90 on the extract date, PNC coverage, skewed names', async () => {
  const s = (await db.one<Record<string, number>>(`SELECT
      min((DATE '2024-12-31' - dob) / 365.25) AS min_age, max((DATE '2024-12-31' - dob) / 365.25) AS max_age,
      avg((pnc_id IS NOT NULL)::INTEGER) AS pnc_coverage,
      (SELECT max(n) FROM (SELECT count(*) AS n FROM people GROUP BY surname)) / count(*) AS top_surname_share,
      (SELECT count(DISTINCT surname) FROM people) AS surnames,
      avg((gender = 'M')::INTEGER) AS male_share
    FROM people`))!;
  assert.ok(Math.floor(s.min_age) >= 10 && Math.floor(s.max_age) <= 90, `ages ${s.min_age}..${s.max_age}`);
  assert.ok(s.pnc_coverage >= 0.5 && s.pnc_coverage <= 0.9, `PNC coverage ${s.pnc_coverage}`);
  assert.ok(s.top_surname_share >= 0.01 && s.top_surname_share <= 0.05, `commonest surname share ${s.top_surname_share}`);
  assert.ok(num(s.surnames) > 500, 'a long tail of surnames');
  assert.ok(s.male_share > 0.7 && s.male_share < 0.9);
});

test('careers escalate: custody is likelier after many previous disposals', async () => {
  const s = (await db.one<Record<string, number>>(`WITH numbered AS (
      SELECT disposal_type, row_number() OVER (PARTITION BY register_id ORDER BY disposal_date, disposal_id) AS nth FROM disposals)
    SELECT avg((disposal_type = 'custody')::INTEGER) FILTER (WHERE nth = 1) AS first,
           avg((disposal_type = 'custody')::INTEGER) FILTER (WHERE nth >= 6) AS later
    FROM numbered`))!;
  assert.ok(s.later > 2 * s.first, `custody share ${s.first} at the first disposal, ${s.later} from the sixth`);
});

test('programme participants are selected on covariates (confounding) and carry the effect', async () => {
  await db.run(INDEX_EVENTS);
  const s = (await db.one<Record<string, number>>(`WITH eligible AS (
      SELECT e.*, e.disposal_id IN (SELECT CAST(disposal_id AS BIGINT) FROM truth WHERE disposal_id IS NOT NULL) AS treated,
        (SELECT count(*) FROM offences o WHERE o.register_id = e.register_id AND o.proven_date < e.index_date) AS prev_offences
      FROM index_events e
      WHERE e.disposal_type IN ('custody', 'community', 'suspended') AND e.age_index >= 18)
    SELECT count(*) FILTER (WHERE treated) AS treated,
      avg(age_index) FILTER (WHERE treated) AS age_t, avg(age_index) FILTER (WHERE NOT treated) AS age_c,
      avg(prev_offences) FILTER (WHERE treated) AS prev_t, avg(prev_offences) FILTER (WHERE NOT treated) AS prev_c
    FROM eligible`))!;
  assert.is(num(s.treated), 600, 'every participant is an eligible index event in the period');
  assert.ok(s.age_t < s.age_c - 1, `participants are younger (${s.age_t} vs ${s.age_c})`);
  assert.ok(s.prev_t > s.prev_c, `participants have more previous offences (${s.prev_t} vs ${s.prev_c})`);

  const effect = JSON.parse(readFileSync(join(dataDir, 'truth', 't1', 'effect.json'), 'utf8'));
  assert.is(effect.effect_pp, -5);
  assert.is(effect.seed, 7);
  assert.is(effect.participants, 600);
  // the same draws with and without the programme: the realised change is close to the -5 pp asked for
  assert.ok(effect.realised_pp <= -2 && effect.realised_pp >= -8, `realised effect ${effect.realised_pp} pp`);
});

test.run();
