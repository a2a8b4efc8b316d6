// GET /events as an async iterator of messages: the stream ends at `until`, when the daemon
// closes it, or quietly when the caller aborts.
import { parseEventLine, type EventMessage } from '../events/message.js';
import type { Response, Transport } from './http.js';

export type { Actor, EventMessage, EventScope, EventType } from '../events/message.js';

export interface EventsOptions {
  /** API timestamps (`seconds[.nanoseconds]`); the CLI converts durations and dates first. */
  since?: string;
  until?: string;
  filters?: Record<string, string[]>;
  signal?: AbortSignal;
}

export async function* systemEvents(transport: Transport, opts: EventsOptions = {}): AsyncGenerator<EventMessage> {
  const filters = opts.filters && Object.keys(opts.filters).length ? JSON.stringify(opts.filters) : undefined;
  let buf = '';
  let res: Response | undefined;
  try {
    res = await transport.call('GET', '/events', {
      query: { since: opts.since || undefined, until: opts.until || undefined, filters },
      signal: opts.signal,
    });
    for await (const chunk of res.body) {
      buf += (chunk as Buffer).toString('utf8');
      let i: number;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i).trim();
        buf = buf.slice(i + 1);
        if (line) yield parseEventLine(line);
      }
    }
  } catch (err) {
    if (opts.signal?.aborted) return;
    throw err;
  } finally {
    res?.body.destroy();
  }
  if (buf.trim()) yield parseEventLine(buf.trim());
}
