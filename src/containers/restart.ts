// Restart policies: whether an exited container comes back, and after how long (dockerd's
// backoff: 100 ms doubling for each quick exit, back to 100 ms after ten seconds of running).
import type { ContainerRecord } from './types.js';

const MAX_DELAY_MS = 60_000;

/** Milliseconds until the restart, or undefined when the policy keeps the container down. */
export function restartDelay(rec: ContainerRecord): number | undefined {
  const p = rec.HostConfig.RestartPolicy ?? {};
  const code = rec.State.ExitCode;
  const want =
    ((p.Name === 'always' || p.Name === 'unless-stopped') && !rec.ManuallyStopped) ||
    (p.Name === 'on-failure' && code !== 0 && (!p.MaximumRetryCount || rec.RestartCount < p.MaximumRetryCount));
  if (!want) return undefined;
  const ran = Date.parse(rec.State.FinishedAt) - Date.parse(rec.State.StartedAt);
  return ran > 10_000 ? 100 : Math.min(100 * 2 ** Math.min(rec.RestartCount, 10), MAX_DELAY_MS);
}
