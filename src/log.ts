// Renders runner events: a live line per stage on a terminal, plain lines for CI and cron, or
// JSON lines with --json. The engine never prints; only this file writes to the console.
import { describeReason, reasonLines, type Reason } from './explain.ts';
import type { RunEvent, StageState } from './runner.ts';

export type LogMode = 'tty' | 'plain' | 'json';

export interface Renderer {
  onEvent(event: RunEvent): void;
  close(): void;
}

const SYMBOL: Record<StageState, string> = {
  hashing: '…', running: '▶', hit: '✓', ran: '✓', failed: '✗', skipped: '-', cancelled: '✗', 'would-run': '▶', 'would-hit': '✓', pending: '?',
};

const WORD: Record<StageState, string> = {
  hashing: 'hashing inputs', running: 'running', hit: 'cached', ran: 'ran', failed: 'FAILED', skipped: 'skipped', cancelled: 'cancelled', 'would-run': 'would run', 'would-hit': 'cached', pending: 'pending',
};

export function chooseMode(json: boolean, stream: NodeJS.WriteStream = process.stdout): LogMode {
  if (json) return 'json';
  return stream.isTTY && !process.env.CI ? 'tty' : 'plain';
}

function stageLine(stage: string, width: number, state: StageState, detail: { seconds?: number; reason?: Reason; error?: string; stop?: string }): string {
  const time = detail.seconds !== undefined ? ` in ${detail.seconds.toFixed(2)}s` : '';
  const why = detail.error ? `: ${detail.error}` : detail.reason ? ` (${describeReason(detail.reason)})` : '';
  const stop = detail.stop ? ` — request stopped: ${detail.stop}` : '';
  return `${SYMBOL[state]} ${stage.padEnd(width)} ${WORD[state]}${time}${why}${stop}`;
}

export function createRenderer(mode: LogMode, out: NodeJS.WritableStream = process.stdout, options: { explain?: boolean } = {}): Renderer {
  if (mode === 'json') return { onEvent: (e) => out.write(JSON.stringify(e) + '\n'), close: () => {} };

  let width = 8;
  const terminal = new Set<StageState>(['hit', 'ran', 'failed', 'skipped', 'cancelled', 'would-run', 'would-hit', 'pending']);
  const summary = (e: Extract<RunEvent, { type: 'done' }>) => {
    const parts = Object.entries(e.counts).map(([k, v]) => `${v} ${WORD[k as StageState] ?? k}`);
    const published = (e.published ?? []).map((p) => `\npublished: ${p}`).join('');
    return `${e.status === 'dry-run' ? 'dry run' : `run ${e.run}: ${e.status}`}: ${parts.join(', ') || 'nothing to do'}${e.record ? `\nrecord: ${e.record}` : ''}${published}\n`;
  };
  const explainLines = (reason?: Reason) => (options.explain && reason ? reasonLines(reason).map((r) => `    ${r}\n`).join('') : '');

  if (mode === 'plain') {
    return {
      onEvent(e) {
        if (e.type === 'plan') {
          width = Math.max(8, ...e.stages.map((s) => s.length));
          out.write(`${e.dryRun ? 'plan' : 'run'} for request ${e.request}: ${e.stages.join(' -> ')}\n`);
        } else if (e.type === 'stage' && terminal.has(e.state)) {
          out.write(stageLine(e.stage, width, e.state, options.explain ? { ...e, reason: undefined } : e) + '\n' + explainLines(e.reason));
        } else if (e.type === 'stage' && e.state === 'running') {
          out.write(`${SYMBOL.running} ${e.stage.padEnd(width)} running${e.reason ? ` (${describeReason(e.reason)})` : ''}\n`);
        } else if (e.type === 'note') {
          out.write(`  ${e.stage ? `${e.stage}: ` : ''}${e.message}\n`);
        } else if (e.type === 'done') {
          out.write(summary(e));
        }
      },
      close() {},
    };
  }

  // TTY: one line per stage, redrawn in place, with elapsed time ticking for running stages.
  const order: string[] = [];
  const state = new Map<string, { state: StageState; since: number; seconds?: number; reason?: Reason; error?: string; stop?: string }>();
  let drawn = 0;
  const draw = () => {
    if (drawn) out.write(`\x1b[${drawn}A`);
    for (const s of order) {
      const st = state.get(s);
      const line = st ? stageLine(s, width, st.state, st.state === 'running' || st.state === 'hashing' ? { seconds: (Date.now() - st.since) / 1000 } : st) : `· ${s.padEnd(width)} waiting`;
      out.write(`\x1b[2K${line.slice(0, (process.stdout.columns || 120) - 1)}\n`);
    }
    drawn = order.length;
  };
  const timer = setInterval(() => order.some((s) => ['running', 'hashing'].includes(state.get(s)?.state ?? '')) && draw(), 250);
  timer.unref();
  return {
    onEvent(e) {
      if (e.type === 'plan') {
        width = Math.max(8, ...e.stages.map((s) => s.length));
        out.write(`${e.dryRun ? 'plan' : 'run'} for request ${e.request}\n`);
        order.push(...e.stages);
        draw();
      } else if (e.type === 'stage') {
        state.set(e.stage, { state: e.state, since: Date.now(), seconds: e.seconds, reason: e.reason, error: e.error, stop: e.stop });
        draw();
      } else if (e.type === 'note') {
        // Notes go above the live block so they stay readable.
        if (drawn) out.write(`\x1b[${drawn}A\x1b[0J`);
        drawn = 0;
        out.write(`  ${e.stage ? `${e.stage}: ` : ''}${e.message}\n`);
        draw();
      } else if (e.type === 'done') {
        clearInterval(timer);
        draw();
        if (options.explain) for (const s of order) out.write(`${s}:\n${explainLines(state.get(s)?.reason) || '    (no reason)\n'}`);
        out.write(summary(e));
      }
    },
    close: () => clearInterval(timer),
  };
}
