// Health checks as dockerd runs them: a probe exec'd in the container every interval, a
// failing streak that turns the container unhealthy after `retries`, failures during the
// start period not counted, the last five results kept with their output (4 KiB at most).
import { execFile } from 'node:child_process';
import type { HealthConfig } from '../types/container.js';
import { rfc3339Nano, nowNano } from '../units/time.js';
import type { Health } from './types.js';

const DEFAULT_INTERVAL = 30e9;
const DEFAULT_TIMEOUT = 30e9;
const DEFAULT_START_INTERVAL = 5e9;
const DEFAULT_RETRIES = 3;
const MAX_LOG_ENTRIES = 5;
const MAX_OUTPUT = 4096;

export interface ProbeSettings {
  argv: string[];
  intervalMs: number;
  timeoutMs: number;
  startPeriodMs: number;
  startIntervalMs: number;
  retries: number;
}

/** The probe to run, or undefined when there is none (no test, or NONE). */
export function probeSettings(hc: HealthConfig | undefined, shell: string[] | null | undefined): ProbeSettings | undefined {
  const test = hc?.Test ?? [];
  if (test.length === 0 || test[0] === 'NONE') return undefined;
  let argv: string[];
  if (test[0] === 'CMD') argv = test.slice(1);
  else if (test[0] === 'CMD-SHELL') argv = [...(shell && shell.length ? shell : ['/bin/sh', '-c']), test.slice(1).join(' ')];
  else return undefined;
  if (argv.length === 0) return undefined;
  const ms = (ns: number | undefined, def: number) => (ns && ns > 0 ? ns : def) / 1e6;
  return {
    argv,
    intervalMs: ms(hc?.Interval, DEFAULT_INTERVAL),
    timeoutMs: ms(hc?.Timeout, DEFAULT_TIMEOUT),
    startPeriodMs: ms(hc?.StartPeriod, 0),
    startIntervalMs: ms(hc?.StartInterval, DEFAULT_START_INTERVAL),
    retries: hc?.Retries && hc.Retries > 0 ? hc.Retries : DEFAULT_RETRIES,
  };
}

export interface ProbeResult {
  exitCode: number;
  output: string;
  start: string;
  end: string;
}

/** The next health state after a probe (pure: dockerd's handleProbeResult). */
export function nextHealth(h: Health, r: ProbeResult, inStartPeriod: boolean, retries: number): Health {
  const log = [...h.Log, { Start: r.start, End: r.end, ExitCode: r.exitCode, Output: r.output }].slice(-MAX_LOG_ENTRIES);
  if (r.exitCode === 0) return { Status: 'healthy', FailingStreak: 0, Log: log };
  // A failure in the start period does not count, unless the container was healthy already.
  if (inStartPeriod && h.Status !== 'healthy') return { ...h, Log: log };
  const streak = h.FailingStreak + 1;
  return { Status: streak >= retries ? 'unhealthy' : h.Status, FailingStreak: streak, Log: log };
}

export type ProbeRunner = (argv: string[], timeoutMs: number) => Promise<{ exitCode: number; output: string }>;

/** Runs the probe with the runtime's `exec` (no monitor: its output is captured here). */
export function runtimeProbe(runtimePath: string, root: string, id: string, env: string[], user: string, cwd: string): ProbeRunner {
  return (argv, timeoutMs) =>
    new Promise((resolve) => {
      const args = ['--root', root, 'exec', ...(user ? ['--user', user] : []), ...(cwd ? ['--cwd', cwd] : []), ...env.flatMap((e) => ['--env', e]), id, ...argv];
      execFile(runtimePath, args, { timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 1 << 20, encoding: 'buffer' }, (err, stdout, stderr) => {
        const output = Buffer.concat([stdout, stderr]).subarray(0, MAX_OUTPUT).toString('utf8');
        if (err && (err as NodeJS.ErrnoException & { killed?: boolean }).killed) {
          resolve({ exitCode: -1, output: `Health check exceeded timeout (${timeoutMs / 1000}s)` });
          return;
        }
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 1) : 0;
        resolve({ exitCode: code, output });
      });
    });
}

/** One container's probe loop; `onChange` persists and announces each new health. */
export class HealthMonitor {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly started = Date.now();

  constructor(
    private health: Health,
    private readonly settings: ProbeSettings,
    private readonly probe: ProbeRunner,
    private readonly onChange: (h: Health, statusChanged: boolean) => void,
  ) {}

  start(): void {
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private inStartPeriod(): boolean {
    return Date.now() - this.started < this.settings.startPeriodMs;
  }

  private schedule(): void {
    if (this.stopped) return;
    const delay = this.inStartPeriod() && this.health.Status === 'starting' ? Math.min(this.settings.startIntervalMs, this.settings.intervalMs) : this.settings.intervalMs;
    this.timer = setTimeout(() => void this.tick(), delay);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const start = rfc3339Nano(nowNano());
    const { exitCode, output } = await this.probe(this.settings.argv, this.settings.timeoutMs);
    if (this.stopped) return;
    const next = nextHealth(this.health, { exitCode, output, start, end: rfc3339Nano(nowNano()) }, this.inStartPeriod(), this.settings.retries);
    const changed = next.Status !== this.health.Status;
    this.health = next;
    this.onChange(next, changed);
    this.schedule();
  }
}
