// The event bus, as dockerd's daemon/events: the last 256 events kept in a ring for replay
// (`since`), live events fanned out to subscribers, each through a bounded queue.
import { nowNano } from '../units/time.js';
import { compileEventFilter, type EventFilters, type EventPredicate } from './filter.js';
import type { Actor, EventMessage, EventType } from './message.js';

/** dockerd's eventsLimit: how many past events a `since` can replay. */
export const EVENTS_LIMIT = 256;
/** dockerd's per-subscriber channel buffer (pubsub bufferSize). */
export const SUBSCRIBER_QUEUE = 1024;

/** What services that announce events need: container, image and volume code call this. */
export interface EventPublisher {
  publish(type: EventType, action: string, actor: Actor): void;
}

export interface SubscribeOptions {
  /** Replay buffered events from this time (ns since the epoch) on. */
  since?: bigint;
  /** Replay only events up to this time, and end the stream at it. */
  until?: bigint;
  filters?: EventFilters;
  signal?: AbortSignal;
}

export interface BusOptions {
  limit?: number;
  queueLimit?: number;
  /** Wall clock in ns since the epoch; tests pass their own. */
  clock?: () => bigint;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * One reader of the bus: replayed events, then live ones. Its queue is bounded; a reader that
 * falls more than `queueLimit` events behind loses the newest ones (counted in `dropped`)
 * rather than slowing publishers, as dockerd skips a subscriber that does not keep up.
 */
export class EventSubscription implements AsyncIterableIterator<EventMessage> {
  dropped = 0;
  private readonly queue: EventMessage[];
  private waiter: ((r: IteratorResult<EventMessage>) => void) | undefined;
  private closed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly onAbort = () => this.close();

  constructor(
    private readonly bus: EventBus,
    replay: EventMessage[],
    private readonly matches: EventPredicate | undefined,
    private readonly until: bigint | undefined,
    private readonly queueLimit: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.queue = replay;
    signal?.addEventListener('abort', this.onAbort, { once: true });
    if (signal?.aborted) this.close();
  }

  /** Ends the stream at `until` (now if it is already past, once the replay is read). */
  endAt(until: bigint, now: bigint): void {
    if (this.closed) return;
    if (until < now) {
      this.close();
      return;
    }
    const ms = Number((until - now) / 1_000_000n) + 1;
    this.timer = setTimeout(() => this.endAt(until, this.bus.now()), Math.min(ms, MAX_TIMER_MS));
  }

  /** Called by the bus for every live event. */
  deliver(msg: EventMessage): void {
    if (this.closed) return;
    if (this.until !== undefined && msg.timeNano > this.until) {
      this.close();
      return;
    }
    if (this.matches && !this.matches(msg)) return;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w({ value: msg, done: false });
    } else if (this.queue.length >= this.queueLimit) {
      this.dropped++;
    } else {
      this.queue.push(msg);
    }
  }

  /** Events not yet read. */
  get pending(): number {
    return this.queue.length;
  }

  next(): Promise<IteratorResult<EventMessage>> {
    const msg = this.queue.shift();
    if (msg) return Promise.resolve({ value: msg, done: false });
    if (this.closed) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => { this.waiter = resolve; });
  }

  return(): Promise<IteratorResult<EventMessage>> {
    this.close();
    this.queue.length = 0;
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Stops live delivery; what is queued can still be read. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
    this.bus.unsubscribe(this);
    const w = this.waiter;
    this.waiter = undefined;
    w?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}

export class EventBus implements EventPublisher {
  private readonly ring: EventMessage[] = [];
  /** Index in `ring` of the oldest event once the ring is full. */
  private start = 0;
  private readonly subscribers = new Set<EventSubscription>();
  private readonly limit: number;
  private readonly queueLimit: number;
  private readonly clock: () => bigint;

  constructor(opts: BusOptions = {}) {
    this.limit = opts.limit ?? EVENTS_LIMIT;
    this.queueLimit = opts.queueLimit ?? SUBSCRIBER_QUEUE;
    this.clock = opts.clock ?? nowNano;
  }

  now(): bigint {
    return this.clock();
  }

  /** Stamps a local-scope event with the time (ns) and hands it to the buffer and every subscriber. */
  publish(type: EventType, action: string, actor: Actor): EventMessage {
    const timeNano = this.clock();
    const msg: EventMessage = {
      Type: type,
      Action: action,
      Actor: { ID: actor.ID, Attributes: { ...actor.Attributes } },
      scope: 'local',
      time: Number(timeNano / 1_000_000_000n),
      timeNano,
    };
    this.publishMessage(msg);
    return msg;
  }

  publishMessage(msg: EventMessage): void {
    if (this.ring.length < this.limit) {
      this.ring.push(msg);
    } else {
      this.ring[this.start] = msg;
      this.start = (this.start + 1) % this.limit;
    }
    for (const s of [...this.subscribers]) s.deliver(msg);
  }

  /** The buffered events, oldest first. */
  recent(): EventMessage[] {
    return [...this.ring.slice(this.start), ...this.ring.slice(0, this.start)];
  }

  /**
   * Subscribes: with `since` or `until`, buffered events in [since, until] that pass the
   * filters are replayed first. With `until` in the past the stream ends after the replay.
   */
  subscribe(opts: SubscribeOptions = {}): EventSubscription {
    const matches = compileEventFilter(opts.filters ?? {});
    const replay: EventMessage[] = [];
    if (opts.since !== undefined || opts.until !== undefined) {
      const since = opts.since ?? 0n;
      const past = this.recent();
      // Newest first until one is older than `since`, as dockerd's loadBufferedEvents walks.
      for (let i = past.length - 1; i >= 0; i--) {
        const ev = past[i]!;
        if (ev.timeNano < since) break;
        if (opts.until !== undefined && opts.until > 0n && ev.timeNano > opts.until) continue;
        if (!matches || matches(ev)) replay.push(ev);
      }
      replay.reverse();
    }
    const sub = new EventSubscription(this, replay, matches, opts.until, this.queueLimit, opts.signal);
    if (!opts.signal?.aborted) this.subscribers.add(sub);
    if (opts.until !== undefined) sub.endAt(opts.until, this.clock());
    return sub;
  }

  unsubscribe(sub: EventSubscription): void {
    this.subscribers.delete(sub);
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  /** Ends every subscription (daemon shutdown). */
  close(): void {
    for (const s of [...this.subscribers]) s.close();
  }
}
