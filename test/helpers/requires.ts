// Tests that need a tool the npm install does not bring (R's MatchIt, Chromium): where it is
// missing they are skipped, by name, with the line that installs it, so `npm ci && npm test`
// passes on a fresh machine; under CI (env CI set, where .ci/run installs both) a missing tool
// is a failure, so CI can never pass without having checked anything.
import type { Test } from 'uvu';
import * as assert from 'uvu/assert';

export interface Requirement {
  /** What is needed, e.g. "Rscript with MatchIt". */
  what: string;
  available: boolean;
  /** How to get it, e.g. "apt-get install r-cran-matchit". */
  install: string;
}

/** `test` itself when the requirement is met; else a test that skips (or, under CI, fails) saying what to install. */
export function testNeeding(test: Test, req: Requirement): Test {
  if (req.available) return test;
  const ci = !!process.env.CI && process.env.CI !== 'false';
  const wrapped = (name: string) => {
    if (ci) test(name, () => assert.unreachable(`${req.what} is missing, and CI must run this test: ${req.install}`));
    else {
      process.stderr.write(`skipped "${name}": ${req.what} is not installed (${req.install})\n`);
      test.skip(name);
    }
  };
  // Hooks and run() stay the suite's own.
  return Object.assign(wrapped, { before: test.before, after: test.after, run: test.run, skip: test.skip, only: test.only }) as unknown as Test;
}
