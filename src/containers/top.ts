// `docker top`: the host's `ps` (with the user's arguments, `-ef` by default), keeping the rows
// whose PID is in the container, as dockerd does.
import { execFile } from 'node:child_process';
import { ConflictError, InvalidParameterError } from '../errors.js';

export interface TopResult {
  Titles: string[];
  Processes: string[][];
}

/** Splits ps output into titles and rows; the last column (the command) keeps its spaces. */
export function parsePS(output: string, pids: ReadonlySet<number>): TopResult {
  const lines = output.split('\n').filter((l) => l.trim() !== '');
  const titles = (lines[0] ?? '').trim().split(/\s+/);
  const pidIndex = titles.indexOf('PID');
  if (pidIndex < 0) throw new InvalidParameterError(`Couldn't find PID field in ps output`);
  const processes: string[][] = [];
  for (const line of lines.slice(1)) {
    const fields = line.trim().split(/\s+/);
    const pid = Number(fields[pidIndex]);
    if (!pids.has(pid)) continue;
    const row = fields.slice(0, titles.length - 1);
    row.push(fields.slice(titles.length - 1).join(' '));
    processes.push(row);
  }
  return { Titles: titles, Processes: processes };
}

export function top(pids: number[], psArgs: string): Promise<TopResult> {
  if (pids.length === 0) throw new ConflictError('container is not running');
  const args = (psArgs || '-ef').split(/\s+/).filter(Boolean);
  return new Promise((resolve, reject) => {
    execFile('ps', args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new InvalidParameterError(`Error running ps: ${stderr.trim() || err.message}`));
      else {
        try {
          resolve(parsePS(stdout, new Set(pids)));
        } catch (e) {
          reject(e as Error);
        }
      }
    });
  });
}
