// The event bus: stamping, the replay ring, since/until windows, filters, bounded queues.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EVENTS_LIMIT, EventBus, SUBSCRIBER_QUEUE, type EventMessage, type EventSubscription } from '../../src/events/index.js';

const S = 1_000_000_000n;

/** A bus whose clock the test moves: each publish happens one second after the previous one. */
function testBus(opts: { limit?: number; queueLimit?: number; start?: bigint } = {}) {
  let now = opts.start ?? 1_700_000_000n * S;
  const bus = new EventBus({ limit: opts.limit, queueLimit: opts.queueLimit, clock: () => now });
  return {
    bus,
    set: (t: bigint) => { now = t; },
    get now() { return now; },
    tick: (action: string, type: 'image' | 'container' = 'image') => {
      now += S;
      return bus.publish(type, action, { ID: `id-${action}`, Attributes: { name: action } });
    },
  };
}

/** Reads what is queued now, without waiting for more. */
async function drain(sub: EventSubscription): Promise<string[]> {
  const out: string[] = [];
  while (sub.pending > 0) {
    const r = await sub.next();
    if (r.done) break;
    out.push(r.value.Action);
  }
  return out;
}

async function readAll(sub: EventSubscription): Promise<string[]> {
  const out: string[] = [];
  for await (const m of sub) out.push(m.Action);
  return out;
}

describe('EventBus', () => {
  it('uses dockerd limits: 256 buffered events, 1024 queued per subscriber', () => {
    assert.equal(EVENTS_LIMIT, 256);
    assert.equal(SUBSCRIBER_QUEUE, 1024);
  });

  it('stamps local scope, seconds and nanoseconds, and copies the attributes', () => {
    let now = 1_700_000_000_123_456_789n;
    const bus = new EventBus({ clock: () => now });
    const attrs = { name: 'foo' };
    const msg = bus.publish('container', 'create', { ID: 'abc', Attributes: attrs });
    attrs.name = 'changed';
    now = 0n;
    assert.deepEqual(msg, { Type: 'container', Action: 'create', Actor: { ID: 'abc', Attributes: { name: 'foo' } }, scope: 'local', time: 1_700_000_000, timeNano: 1_700_000_000_123_456_789n });
  });

  it('keeps only the newest events in its ring, oldest first', () => {
    const t = testBus({ limit: 3 });
    for (const a of ['a', 'b', 'c', 'd', 'e']) t.tick(a);
    assert.deepEqual(t.bus.recent().map((m) => m.Action), ['c', 'd', 'e']);
  });

  it('replays nothing without since or until, then delivers live events', async () => {
    const t = testBus();
    t.tick('before');
    const sub = t.bus.subscribe();
    assert.equal(sub.pending, 0);
    t.tick('live');
    assert.deepEqual((await sub.next()).value?.Action, 'live');
    sub.close();
    assert.equal((await sub.next()).done, true);
    assert.equal(t.bus.subscriberCount, 0);
  });

  it('replays [since, until] and ends when until has passed', async () => {
    const t = testBus();
    const [a, b, c] = ['a', 'b', 'c'].map((x) => t.tick(x)) as [EventMessage, EventMessage, EventMessage];
    t.tick('d');
    assert.deepEqual(await readAll(t.bus.subscribe({ since: b.timeNano, until: c.timeNano })), ['b', 'c']);
    assert.deepEqual(await readAll(t.bus.subscribe({ since: a.timeNano + 1n, until: t.now - 1n })), ['b', 'c']);
    assert.equal(t.bus.subscriberCount, 0);
  });

  it('replays from since, then streams live events', async () => {
    const t = testBus();
    t.tick('a');
    const b = t.tick('b');
    const sub = t.bus.subscribe({ since: b.timeNano });
    t.tick('c');
    assert.deepEqual(await drain(sub), ['b', 'c']);
    sub.close();
  });

  it('treats until=0 as dockerd does: the whole buffer, then the end', async () => {
    const t = testBus();
    t.tick('a');
    t.tick('b');
    assert.deepEqual(await readAll(t.bus.subscribe({ until: 0n })), ['a', 'b']);
  });

  it('ends a live stream at until, and at the first event after it', async () => {
    const t = testBus();
    const sub = t.bus.subscribe({ until: t.now + 5n * S });
    t.tick('in');
    t.set(t.now + 10n * S);
    t.tick('late');
    assert.deepEqual(await readAll(sub), ['in']);

    const real = new EventBus();
    const timed = real.subscribe({ until: real.now() + 30_000_000n });
    const started = Date.now();
    assert.deepEqual(await readAll(timed), []);
    assert.ok(Date.now() - started >= 25, 'the stream lasted until `until`');
  });

  it('applies filters to the replay and to live events', async () => {
    const t = testBus();
    t.tick('create', 'container');
    t.tick('tag');
    const sub = t.bus.subscribe({ since: 0n, filters: { type: ['image'] } });
    t.tick('start', 'container');
    t.tick('untag');
    assert.deepEqual(await drain(sub), ['tag', 'untag']);
    sub.close();
  });

  it('drops events for a subscriber that falls behind, without blocking others', async () => {
    const t = testBus({ queueLimit: 2 });
    const slow = t.bus.subscribe();
    const fast = t.bus.subscribe();
    const seen: string[] = [];
    const reader = (async () => { for await (const m of fast) seen.push(m.Action); })();
    for (const a of ['1', '2', '3', '4', '5']) {
      t.tick(a);
      await new Promise((r) => setImmediate(r));
    }
    assert.equal(slow.pending, 2);
    assert.equal(slow.dropped, 3);
    assert.deepEqual(await drain(slow), ['1', '2']);
    fast.close();
    await reader;
    assert.deepEqual(seen, ['1', '2', '3', '4', '5']);
    assert.equal(fast.dropped, 0);
    slow.close();
  });

  it('ends on abort and on bus close', async () => {
    const t = testBus();
    const ac = new AbortController();
    const sub = t.bus.subscribe({ signal: ac.signal });
    const pending = sub.next();
    ac.abort();
    assert.equal((await pending).done, true);
    const aborted = t.bus.subscribe({ signal: AbortSignal.abort() });
    assert.equal((await aborted.next()).done, true);
    const other = t.bus.subscribe();
    t.bus.close();
    assert.equal((await other.next()).done, true);
    assert.equal(t.bus.subscriberCount, 0);
  });
});
