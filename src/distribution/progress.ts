// Docker's JSON progress messages: `{"status":"Downloading","progressDetail":{…},"progress":"[==>  ] …","id":"…"}`,
// rendered the way dockerd's JSONProgress does, and throttled so a fast link does not flood the client.

export interface ProgressMessage {
  status?: string;
  id?: string;
  progress?: string;
  progressDetail?: { current?: number; total?: number };
  aux?: Record<string, unknown>;
}

export type ProgressSink = (msg: ProgressMessage) => void;

/** Go's units.HumanSize: decimal units, three significant digits (`2.34MB`, `526kB`). */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB', 'PB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${units[i]}`;
}

/** JSONProgress.String(): a 50-wide bar, then current/total. */
export function progressBar(current: number, total: number): string {
  if (total <= 0) return `${humanSize(current)}`.padStart(8);
  const width = 50;
  const done = Math.min(width, Math.floor((current / total) * width));
  const bar = '='.repeat(done) + (done < width ? '>' : '') + ' '.repeat(Math.max(0, width - done - 1));
  return `[${bar}] ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/** The 12-character short form Docker shows for layer IDs. */
export function shortID(digest: string): string {
  return digest.slice(digest.indexOf(':') + 1, digest.indexOf(':') + 13);
}

/** Byte progress of one layer, sent at most every `intervalMs` (and always at the end). */
export class ByteProgress {
  private last = 0;
  current = 0;

  constructor(private readonly sink: ProgressSink, private readonly id: string, private readonly status: string, private readonly total: number, private readonly intervalMs = 100) {}

  add(n: number): void {
    this.current += n;
    const now = Date.now();
    if (now - this.last < this.intervalMs && this.current < this.total) return;
    this.last = now;
    this.sink({ status: this.status, id: this.id, progressDetail: { current: this.current, total: this.total }, progress: progressBar(this.current, this.total) });
  }
}

/** Runs `jobs` with at most `limit` at once; the first failure is thrown after the rest settle. */
export async function parallel<T>(items: readonly T[], limit: number, job: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { err: unknown } | undefined;
  const worker = async () => {
    while (next < items.length && !failure) {
      const i = next++;
      try {
        await job(items[i]!, i);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failure) throw failure.err;
}
