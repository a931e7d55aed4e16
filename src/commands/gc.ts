// `pipeline gc`: delete stage records and blobs that neither the last N runs of any request nor a
// pinned run need. `gc --pin RUN --request ID` keeps one run's outputs for good.
import { applyGc, gcDeletions, pinRun, planGc } from '../gc.ts';
import { join } from 'node:path';
import { dataPaths, deleteJournalled } from '../purge.ts';
import { operatorName } from '../clock.ts';
import { defineCommand, fail, printJson, usageError } from './command.ts';
import { checkKnownRequest, dryRunOption, jsonOption, waitOption, wholeNumber, yesOption } from './common.ts';
import { confirm } from './confirm.ts';
import { acquireStoreLock } from '../store-lock.ts';
import { EXIT } from './exit.ts';

const command = defineCommand({
  name: 'gc',
  summary: 'delete cached results no recent or pinned run needs (--dry-run lists them); never while a run is live',
  usage: '[--keep N] [--dry-run] [--yes] [--wait SECONDS] [--json] | --pin RUN --request ID',
  options: {
    keep: { type: 'string', arg: 'N', description: 'keep what the last N runs of each request need (default 5)' },
    'dry-run': dryRunOption,
    pin: { type: 'string', arg: 'RUN', description: 'pin this run of --request: gc keeps what it needs, always' },
    request: { type: 'string', arg: 'ID', description: 'the request of --pin' },
    yes: yesOption,
    wait: waitOption,
    json: jsonOption,
  },
  async run({ values, project }): Promise<number> {
    const json = !!values.json;
    const p = await project();
    if (values.pin !== undefined) {
      if (values.keep !== undefined) return usageError(command, '--pin only pins a run; --keep goes with a gc of its own', json);
      const bad = await checkKnownRequest(p, values.request);
      if (bad) return fail(bad, EXIT.usage, { json });
      // A run id names a file: nothing but a run id's characters ('../x' would name another).
      if (!/^\d{8}T\d{6}(\d{3})?Z-[A-Za-z0-9-]+$/.test(values.pin)) return usageError(command, `invalid run id ${JSON.stringify(values.pin)} (see \`pipeline runs --request ${values.request}\`)`, json);
      const dry = !!values['dry-run'];
      try {
        if (dry) p.records.read(values.request!, values.pin); // the same check, and nothing written
        else pinRun(p.records, values.request!, values.pin);
      } catch (error) {
        return fail((error as Error).message, EXIT.usage, { json });
      }
      if (json) printJson({ dryRun: dry, pinned: values.pin, request: values.request });
      else process.stdout.write(dry ? `dry run: would pin run ${values.pin} of request ${values.request}; nothing was written\n` : `pinned run ${values.pin} of request ${values.request}: gc keeps what it needs\n`);
      return EXIT.ok;
    }
    if (values.request !== undefined) return usageError(command, '--request goes with --pin only', json);
    const keep = wholeNumber('keep', values.keep, 5, 1);
    if (typeof keep === 'string') return usageError(command, keep, json);
    const wait = wholeNumber('wait', values.wait, 0);
    if (typeof wait === 'string') return usageError(command, wait, json);
    if (values['dry-run']) {
      const plan = planGc(p.store, p.records, keep);
      if (json) printJson({ dryRun: true, ...plan });
      else {
        process.stdout.write(`gc would keep what ${plan.keepRuns} run(s) need and delete ${plan.deleteRecords.length} stage record(s) and ${plan.deleteBlobs.length} blob(s)\n`);
        for (const r of plan.deleteRecords) process.stdout.write(`  record ${r}\n`);
        for (const b of plan.deleteBlobs) process.stdout.write(`  blob ${b.hash}\n`);
      }
      return EXIT.ok;
    }
    if (!values.yes && !(await confirm(`delete the cached results that neither the last ${keep} run(s) of each request nor a pinned run need?`))) {
      return fail('not confirmed; nothing was deleted', EXIT.cancelled, { json, reason: 'cancelled' });
    }
    // The plan is made under the store lock, with no run live: nothing a run uses can be deleted.
    const lock = await acquireStoreLock(p.records, 'gc', wait * 1000);
    if (!lock.ok) return fail(lock.message, EXIT.locked, { json, reason: 'locked' });
    let done: ReturnType<typeof applyGc>;
    let recorded = 0;
    try {
      const plan = planGc(p.store, p.records, keep);
      // Journalled like a purge: a gc interrupted half way leaves no deletion unrecorded.
      const planned = gcDeletions(plan, operatorName()).map((deletion) => ({ path: join(p.store.dir, deletion.location.slice('store/'.length)), deletion }));
      let applied: ReturnType<typeof applyGc> | undefined;
      recorded = deleteJournalled(join(p.records.dir, '.gc-pending.json'), dataPaths(p).register, planned, () => {
        applied = applyGc(p.store, plan);
      }).length;
      done = applied!;
    } finally {
      lock.release();
    }
    if (json) printJson({ dryRun: false, deleted: done, registerEntries: recorded });
    else process.stdout.write(`gc deleted ${done.records} stage record(s) and ${done.blobs} blob(s), ${(done.bytes / 2 ** 20).toFixed(1)} MiB; ${recorded} deletion(s) of person-level data recorded in the deletion register\n`);
    return EXIT.ok;
  },
});

export default command;
