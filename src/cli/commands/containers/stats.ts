// tug stats: one collector per container reading its stats stream (a row turns to "--" after
// 2 s without a sample), containers followed through events when none are named, and the
// table drawn every 500 ms (in place while streaming, once with --no-stream), as docker does.
import type { Command } from 'commander';
import type { ContainerClient } from '../../../client/containers.js';
import type { EngineClient } from '../../../client/index.js';
import { render } from '../../format/table.js';
import { ExitError, client, out, run } from '../../context.js';
import { errorLine } from './batch.js';
import { STATS_HEADERS, emptyEntry, redrawFrame, statsEntry, statsFormat, statsRow, type StatsEntry } from './stats-format.js';

export interface StatsFlags {
  all?: boolean;
  stream?: boolean;
  trunc?: boolean;
  format?: string;
}

const NO_DATA_MS = 2000;
const TICK_MS = 500;

/** docker/cli's Stats: the latest entry of one container, and the last error. */
class ContainerStatsState {
  entry: StatsEntry;
  err: unknown;

  constructor(readonly container: string) {
    this.entry = emptyEntry(container);
  }

  set(entry: StatsEntry): void {
    this.entry = { ...entry, Container: this.container };
    this.err = undefined;
  }

  setError(err: unknown): void {
    this.err = err;
    this.entry = { ...this.entry, IsInvalid: true };
  }

  /** No sample in time: the numbers go back to zero and show as "--". */
  setErrorAndReset(err: unknown): void {
    this.err = err;
    this.entry = { ...emptyEntry(this.container), Name: this.entry.Name, ID: this.entry.ID, IsInvalid: true };
  }
}

const END_OF_STREAM = new Error('EOF');

/** Reads the container's samples; resolves at the first sample, the first error, or after 2 s. */
function collect(api: ContainerClient, s: ContainerStatsState, stream: boolean, signal: AbortSignal): Promise<void> {
  let markFirst!: () => void;
  const first = new Promise<void>((resolve) => { markFirst = resolve; });
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (signal.aborted) return;
      s.setErrorAndReset(new ExitError(1, 'timeout waiting for stats'));
      markFirst();
      if (stream) arm();
    }, NO_DATA_MS);
  };
  arm();
  signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
  void (async () => {
    try {
      for await (const sample of api.statsSamples(s.container, { stream, signal })) {
        s.set(statsEntry(s.container, sample));
        markFirst();
        if (!stream) return;
        arm();
      }
      if (stream) s.setError(END_OF_STREAM);
    } catch (err) {
      if (!signal.aborted) s.setError(err);
    } finally {
      // A stream that ended keeps its timer: the row turns to "--" as in docker.
      if (!stream) clearTimeout(timer);
      markFirst();
    }
  })();
  return first;
}

class StatsSet {
  readonly list: ContainerStatsState[] = [];
  readonly pending: Promise<void>[] = [];

  constructor(private readonly api: ContainerClient, private readonly stream: boolean, private readonly signal: AbortSignal) {}

  add(container: string): void {
    if (this.list.some((s) => s.container === container)) return;
    const s = new ContainerStatsState(container);
    this.list.push(s);
    this.pending.push(collect(this.api, s, this.stream, this.signal));
  }

  remove(container: string): void {
    const i = this.list.findIndex((s) => s.container === container);
    if (i >= 0) this.list.splice(i, 1);
  }
}

/** Without names: running (or, with -a, all) containers, kept up to date from container events. */
async function followAll(api: EngineClient, set: StatsSet, all: boolean, signal: AbortSignal, onError: (err: unknown) => void): Promise<void> {
  const events = api.events({ filters: { type: ['container'] }, signal });
  void (async () => {
    try {
      for await (const e of events) {
        const id = (e.Actor?.ID || e.id || '').slice(0, 12);
        if (!id) continue;
        if (e.Action === 'start' || (all && e.Action === 'create')) set.add(id);
        else if (!all && e.Action === 'die') set.remove(id);
      }
    } catch (err) {
      if (!signal.aborted) onError(err);
    }
  })();
  for (const c of await api.containers.list({ all })) set.add(c.Id.slice(0, 12));
}

async function stats(names: string[], flags: StatsFlags): Promise<void> {
  const api = client();
  const noStream = flags.stream === false;
  const abort = new AbortController();
  const set = new StatsSet(api.containers, !noStream, abort.signal);
  let failure: unknown;
  // A closed stdout (`tug stats | head`) ends the live view quietly, as docker ignores write errors.
  let closed = false;
  const onClosed = () => { closed = true; };
  process.stdout.on('error', onClosed);
  try {
    const showAll = names.length === 0;
    if (showAll) {
      await followAll(api, set, !!flags.all, abort.signal, (err) => { failure = err; });
      await Promise.all(set.pending);
    } else {
      for (const name of names) set.add(name);
      await Promise.all(set.pending);
      const errors = set.list.filter((s) => s.err !== undefined && s.err !== END_OF_STREAM).map((s) => errorLine(s.err));
      if (errors.length) throw new ExitError(1, errors.join('\n'));
    }
    const format = statsFormat(flags.format ?? '');
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, TICK_MS));
      if (closed) return;
      if (failure !== undefined) throw failure;
      const text = render(format, set.list.map((s) => statsRow(s.entry, flags.trunc !== false)), STATS_HEADERS, { context: '*container.statsContext' });
      if (noStream) {
        out(text);
        return;
      }
      if (set.list.length === 0 && !showAll) {
        out('\x1b[H\x1b[J');
        return;
      }
      out(redrawFrame(text));
    }
  } finally {
    abort.abort();
    process.stdout.off('error', onClosed);
  }
}

export function registerStatsCommand(program: Command, container: Command): void {
  for (const parent of [program, container]) {
    parent.command('stats').description('Display a live stream of container(s) resource usage statistics').usage('[OPTIONS] [CONTAINER...]')
      .argument('[CONTAINER...]')
      .option('-a, --all', 'Show all containers (default shows just running)')
      .option('--format <string>', 'Format output using a custom template')
      .option('--no-stream', 'Disable streaming stats and only pull the first result')
      .option('--no-trunc', 'Do not truncate output')
      .action((names: string[], flags: StatsFlags) => run(() => stats(names, flags)));
  }
}
