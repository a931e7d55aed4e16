// Every exit code any command returns, in one table (the README lists the same).
export const EXIT = {
  /** done; for `diff --exit-code`, no differences */
  ok: 0,
  /** a stage, a check or the operation failed; `diff --exit-code`: differences; `audit`: findings */
  failed: 1,
  /** usage error: unknown command or flag, missing or bad value, unknown request or stage; nothing was done */
  usage: 2,
  /** the request was stopped by a stage (e.g. intake rejected it); its outputs are committed */
  stopped: 3,
  /** the request (or the store) is busy: another run, purge or gc holds its lock; try again, or --wait */
  locked: 75,
  /** cancelled (Ctrl+C, SIGTERM, or a confirmation answered no); nothing half-written was committed */
  cancelled: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** The runner's failure reasons, as exit codes. */
export function exitForFailure(reason: string): ExitCode {
  switch (reason) {
    case 'locked':
      return EXIT.locked;
    case 'cancelled':
      return EXIT.cancelled;
    case 'stopped':
      return EXIT.stopped;
    case 'invalid-request':
    case 'unknown-request':
    case 'options':
    case 'graph':
      return EXIT.usage;
    default:
      return EXIT.failed;
  }
}

export const EXIT_HELP = `exit codes: 0 done, 1 failed, 2 usage error (nothing done), 3 request stopped by a stage,
  75 busy (locked by another run, purge or gc), 130 cancelled`;
