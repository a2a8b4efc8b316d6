// A container's State through its life, as pure functions of the state before: started, failed to
// start, exited. The service writes what they return to the record before announcing it.
import { parseRFC3339Nano, rfc3339Nano } from '../units/time.js';
import { ZERO_TIME, type ContainerState } from './types.js';

/** dockerd's exit codes for a process that could not be started. */
export function startFailureCode(message: string): number {
  if (/executable file not found|no such file or directory/.test(message)) return 127;
  if (/permission denied|is a directory/.test(message)) return 126;
  return 128;
}

/** Running as init `pid` since `startedAt`; a health check, if any, starts over. */
export function runningState(prior: ContainerState, pid: number, startedAt: string, healthCheck: boolean): ContainerState {
  const state: ContainerState = { ...prior, Status: 'running', Running: true, Restarting: false, Paused: false, OOMKilled: false, Pid: pid, ExitCode: 0, Error: '', StartedAt: startedAt, FinishedAt: ZERO_TIME };
  if (healthCheck) state.Health = { Status: 'starting', FailingStreak: 0, Log: [] };
  return state;
}

/** A start that failed: the state before it, with dockerd's code for the error and its message. */
export function startFailedState(prior: ContainerState, message: string): ContainerState {
  return { ...prior, Error: message, ExitCode: startFailureCode(message), Running: false, Restarting: false, Pid: 0 };
}

/**
 * Exited with `code` at `atNs`. The exit file's mtime has the kernel's coarse clock, so a quick
 * exit can seem to precede the start: FinishedAt is never before StartedAt.
 */
export function exitedState(running: ContainerState, code: number, atNs: bigint, oomKilled: boolean): ContainerState {
  const started = parseRFC3339Nano(running.StartedAt) ?? 0n;
  return { ...running, Status: 'exited', Running: false, Paused: false, Restarting: false, Pid: 0, ExitCode: code, OOMKilled: oomKilled, FinishedAt: rfc3339Nano(atNs > started ? atNs : started) };
}
