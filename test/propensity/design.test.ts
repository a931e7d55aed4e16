import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Duck } from '../../src/duck.ts';
import { readColumns } from '../../src/columns.ts';
import { DesignError, loadDesign, MISSING_LEVEL } from '../../stages/propensity/design.ts';

test('readColumns: several chunks, NULLs marked, values exact', async () => {
  const db = await Duck.open({ threads: 1 });
  try {
    const n = 5000; // more than two DuckDB chunks (2048 rows)
    const got = await readColumns(
      db,
      `SELECT CASE WHEN i % 7 = 0 THEN NULL ELSE i / 4 END::DOUBLE, (i * 3)::INTEGER, (i * 1000000007)::BIGINT FROM range(${n}) t(i) ORDER BY i`,
      ['double', 'integer', 'bigint'],
    );
    assert.is(got.n, n);
    const [d, k, b] = got.columns as [Float64Array, Int32Array, BigInt64Array];
    for (let i = 0; i < n; i++) {
      if (i % 7 === 0) {
        assert.is(got.nulls[0]![i], 1);
        assert.ok(Number.isNaN(d[i]));
      } else {
        assert.is(got.nulls[0]![i], 0);
        assert.is(d[i], i / 4);
      }
      assert.is(k[i], i * 3);
      assert.is(b[i], BigInt(i) * 1000000007n);
    }
    assert.is(got.nulls[1], null);
    try {
      await readColumns(db, 'SELECT 1::INTEGER', ['double']);
      assert.unreachable('a type mismatch must fail');
    } catch (error) {
      assert.match((error as Error).message, /expected double/);
    }
  } finally {
    db.close();
  }
});

async function withTable(rows: string, fn: (db: Duck) => Promise<void>) {
  const db = await Duck.open({ threads: 1 });
  try {
    await db.run(`CREATE TABLE t AS SELECT * FROM (VALUES ${rows}) v(id, treat, age, region, sex)`);
    await fn(db);
  } finally {
    db.close();
  }
}

test('factors: reference = most frequent level, ties by name; NULL level; numeric NULLs dropped and counted; strata', async () => {
  // region counts among complete rows: North 3, South 3, West 1, NULL 1 -> reference North (tie with South, by name).
  await withTable(
    `(5, 1, 30.0, 'South', 'M'), (1, 0, 40.0, 'North', 'F'), (2, 1, NULL, 'West', 'M'), (3, 0, 22.0, 'South', 'M'),
     (4, 1, 35.0, 'North', 'F'), (6, 0, 50.0, NULL, 'M'), (7, 0, 41.0, 'North', NULL), (8, 1, 33.0, 'South', 'F'), (9, 0, 29.0, 'West', 'F')`,
    async (db) => {
      const d = await loadDesign(db, { table: 't', order: 'id', treatment: 'treat', numeric: ['age'], factors: ['region'], exact: ['sex'], id: { column: 'id', kind: 'bigint' } });
      assert.is(d.n, 8);
      assert.equal(Array.from(d.ids as BigInt64Array), [1n, 3n, 4n, 5n, 6n, 7n, 8n, 9n]);
      assert.equal(Array.from(d.treat), [0, 0, 1, 1, 0, 0, 1, 0]);
      assert.equal(d.exclusions.missing, { treated: 1, comparison: 0, byCovariate: { age: 1 } });
      const region = d.terms[1]!;
      assert.equal(region.levels, ['North', 'South', MISSING_LEVEL, 'West']);
      assert.equal(region.levelCounts, [3, 3, 1, 1]);
      assert.equal(d.names, ['age', 'region=South', `region=${MISSING_LEVEL}`, 'region=West']);
      assert.equal(Array.from(d.columns[1]!), [0, 1, 0, 1, 0, 0, 1, 0]);
      assert.equal(Array.from(d.columns[0]!), [40, 22, 35, 30, 50, 41, 33, 29]);
      // Strata sorted by label: sex=(missing), sex=F, sex=M.
      assert.equal(d.strata, [`sex=${MISSING_LEVEL}`, 'sex=F', 'sex=M']);
      assert.equal(Array.from(d.stratum), [1, 2, 1, 2, 2, 0, 1, 1]);
    },
  );
});

test('pruneLevels removes comparators in levels without treated and treated in levels without comparators', async () => {
  await withTable(
    `(1, 1, 30.0, 'North', 'M'), (2, 0, 31.0, 'North', 'M'), (3, 1, 32.0, 'South', 'M'), (4, 0, 33.0, 'South', 'M'),
     (5, 0, 34.0, 'Wales', 'M'), (6, 0, 35.0, 'Wales', 'M'), (7, 1, 36.0, 'Island', 'M')`,
    async (db) => {
      const d = await loadDesign(db, { table: 't', order: 'id', treatment: 'treat', numeric: ['age'], factors: ['region'], exact: [], pruneLevels: true });
      assert.is(d.n, 4);
      assert.equal(d.exclusions.pruned, { treated: 1, comparison: 2, byFactor: { region: { treated: 1, comparison: 2 } } });
      assert.equal(d.terms[1]!.levels, ['North', 'South']);
    },
  );
});

test('bad inputs are refused with the column named', async () => {
  await withTable(`(1, 2, 30.0, 'North', 'M'), (2, 0, 31.0, 'North', 'M')`, async (db) => {
    for (const [spec, message] of [
      [{ treatment: 'treat', numeric: ['age'] }, /treatment column “treat”: 1 of 2 rows are not 0\/1/],
      [{ treatment: 'treat', numeric: ['agee'] }, /column “agee” is not in the input/],
      [{ treatment: 'treat', numeric: ['treat'] }, /cannot also be a covariate/],
    ] as const) {
      try {
        await loadDesign(db, { table: 't', order: 'id', factors: [], exact: [], ...spec, numeric: [...spec.numeric] });
        assert.unreachable('should fail');
      } catch (error) {
        assert.instance(error, DesignError);
        assert.match((error as Error).message, message);
      }
    }
  });
});

test.run();
