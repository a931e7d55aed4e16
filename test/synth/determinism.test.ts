// Same seed => the same bytes in every file (with two DuckDB threads, where scheduling varies, and
// with one); another seed => different data.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { generateWorld, sharedWorld, treeHashes } from './helpers.ts';

test('the same seed gives byte-identical files, another seed different ones', async () => {
  const first = treeHashes(await sharedWorld(7));
  const again = treeHashes(await generateWorld(7, 2));
  const oneThread = treeHashes(await generateWorld(7, 1));
  const other = treeHashes(await generateWorld(8, 2));

  const expected = [
    'reference/assessments.parquet', 'reference/disposals.parquet', 'reference/extract.json', 'reference/offences.parquet',
    'reference/people.parquet', 'reference/prison_numbers.parquet', 'reference/spells.parquet',
    'requests/t1/cohort.csv', 'requests/t1/request.json', 'truth/t1/effect.json', 'truth/t1/potential-outcomes.csv', 'truth/t1/truth.csv',
  ];
  assert.equal(Object.keys(first).sort(), expected, 'exactly the contract files, no staging leftovers');
  assert.equal(again, first);
  assert.equal(oneThread, first, 'the thread count does not change a byte');
  for (const file of expected) {
    if (file.endsWith('request.json')) continue; // the request text does not depend on the seed
    assert.is.not(other[file], first[file], `${file} should change with the seed`);
  }
});

test.run();
