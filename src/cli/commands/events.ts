// tug events / tug system events: the daemon's event stream, printed as docker prints it.
import type { Command } from 'commander';
import type { EventMessage } from '../../client/index.js';
import { goSortedKeys } from '../format/gofmt.js';
import { parseTemplate, type Template } from '../format/template.js';
import { JSON_FORMAT, JSON_FORMAT_KEY } from '../format/table.js';
import { formatEventTime, getTimestamp } from '../format/timestamp.js';
import { nowNano } from '../../units/time.js';
import { ExitError, client, collect, filtersFrom, out, run } from '../context.js';

export interface EventsFlags {
  since?: string;
  until?: string;
  filter?: string[];
  format?: string;
}

/** What docker's templates see: events.Message with Go's field names; `json` gives the wire names. */
export class MessageView {
  readonly Status: string;
  readonly ID: string;
  readonly From: string;
  readonly Type: string;
  readonly Action: string;
  readonly Actor: { ID: string; Attributes: Record<string, string> };
  readonly Scope: string;
  readonly Time: number;
  readonly TimeNano: bigint;

  constructor(msg?: EventMessage) {
    this.Status = msg?.status ?? '';
    this.ID = msg?.id ?? '';
    this.From = msg?.from ?? '';
    this.Type = msg?.Type ?? '';
    this.Action = msg?.Action ?? '';
    // Go's nil map reads like an empty one in templates, where null would be a nil pointer.
    const attrs = msg?.Actor.Attributes ?? {};
    this.Actor = { ID: msg?.Actor.ID ?? '', Attributes: Object.fromEntries(goSortedKeys(attrs).map((k) => [k, attrs[k]!])) };
    this.Scope = msg?.scope ?? '';
    this.Time = msg?.time ?? 0;
    this.TimeNano = msg?.timeNano ?? 0n;
  }

  /** encoding/json of the Message: its json tags, omitempty where Go has it. */
  toJSON(): Record<string, unknown> {
    return {
      status: this.Status || undefined,
      id: this.ID || undefined,
      from: this.From || undefined,
      Type: this.Type,
      Action: this.Action,
      Actor: this.Actor,
      scope: this.Scope || undefined,
      time: this.Time || undefined,
      timeNano: this.TimeNano || undefined,
    };
  }
}

/** docker's default line: time, type, action, actor ID, then the attributes sorted by key. */
export function prettyEvent(msg: EventMessage, offset?: number): string {
  let line = '';
  if (msg.timeNano !== 0n) line += `${formatEventTime(msg.timeNano, offset)} `;
  else if (msg.time !== 0) line += `${formatEventTime(BigInt(msg.time) * 1_000_000_000n, offset)} `;
  line += `${msg.Type} ${msg.Action} ${msg.Actor.ID}`;
  const attrs = msg.Actor.Attributes;
  const keys = goSortedKeys(attrs);
  if (keys.length) line += ` (${keys.map((k) => `${k}=${attrs[k]}`).join(', ')})`;
  return `${line}\n`;
}

/** Parses --format and runs it once on an empty message, as docker does, to refuse bad fields early. */
function eventTemplate(format: string | undefined): Template | undefined {
  if (!format) return undefined;
  try {
    const tmpl = parseTemplate(format === JSON_FORMAT_KEY ? JSON_FORMAT : format);
    tmpl.execute(new MessageView());
    return tmpl;
  } catch (err) {
    throw new ExitError(64, `Error parsing format: ${(err as Error).message}`);
  }
}

/** --since/--until as the API wants them; docker prints the parse error alone. */
function apiTimestamp(value: string | undefined, now: bigint): string | undefined {
  if (!value) return undefined;
  try {
    return getTimestamp(value, now);
  } catch (err) {
    throw new ExitError(1, (err as Error).message);
  }
}

async function events(flags: EventsFlags): Promise<void> {
  const tmpl = eventTemplate(flags.format);
  const now = nowNano();
  const since = apiTimestamp(flags.since, now);
  const until = apiTimestamp(flags.until, now);
  const filters = filtersFrom(flags.filter);
  // A reader that goes away (`tug events | head`) ends the stream quietly.
  const gone = new AbortController();
  const onError = () => gone.abort();
  process.stdout.on('error', onError);
  try {
    for await (const msg of client().events({ since, until, filters, signal: gone.signal })) {
      if (gone.signal.aborted) break;
      print(tmpl, msg);
    }
  } finally {
    process.stdout.off('error', onError);
  }
}

function print(tmpl: Template | undefined, msg: EventMessage): void {
  if (!tmpl) {
    out(prettyEvent(msg));
    return;
  }
  try {
    out(`${tmpl.execute(new MessageView(msg))}\n`);
  } catch (err) {
    throw new ExitError(1, (err as Error).message);
  }
}

export function registerEventCommands(program: Command, system: Command): void {
  for (const cmd of [program.command('events'), system.command('events')]) {
    cmd.description('Get real time events from the server')
      .option('--since <string>', 'Show all events created since timestamp')
      .option('--until <string>', 'Stream events until this timestamp')
      .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
      .option('--format <string>', "Format output using a custom template:\n'json':             Print in JSON format\n'TEMPLATE':         Print output using the given Go template.")
      .action((flags: EventsFlags) => run(() => events(flags)));
  }
}
