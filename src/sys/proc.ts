// A process as procfs shows it in /proc/PID/stat, read in place (procfs never waits on a disk).
import { readFileSync } from 'node:fs';

export interface ProcStat {
  /** The command name (field 2), without its parentheses. */
  comm: string;
  /** R, S, D, Z (zombie), X (dead), … (field 3). */
  state: string;
  /** When it started, in clock ticks since boot (field 22). */
  startTime: number;
}

/** The process `pid`, or undefined when there is none. A live process is one not in state Z or X. */
export function procStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "PID (comm) STATE f4 … f22": comm may hold spaces and parentheses, so count after the last ')'.
  const close = stat.lastIndexOf(')');
  const fields = stat.slice(close + 2).split(' ');
  return { comm: stat.slice(stat.indexOf('(') + 1, close), state: fields[0] ?? '', startTime: Number(fields[19]) };
}

/** Whether `p` is a process that still runs: neither a zombie nor dead. */
export function living(p: ProcStat | undefined): p is ProcStat {
  return p !== undefined && p.state !== 'Z' && p.state !== 'X';
}
