// Events end to end against a real tugd: image actions arriving on a live `tug events` stream
// and on GET /events replays, filters, the per-version message shape, and refusals.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TUG, TestDaemon } from '../helpers/daemon.js';

/** Now as an API timestamp with milliseconds: events from earlier tests stay out of a window. */
const apiNow = () => (Date.now() / 1000).toFixed(3);

/** A running `tug events` whose output lines the test can wait for. */
function eventStream(d: TestDaemon, args: string[]) {
  const child = spawn(TUG, ['events', ...args], { env: d.env(), stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  const waiters: (() => void)[] = [];
  child.stdout.on('data', (b: Buffer) => { out += b.toString(); waiters.splice(0).forEach((w) => w()); });
  child.stderr.on('data', (b: Buffer) => { err += b.toString(); });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return {
    get lines() { return out.split('\n').filter(Boolean); },
    /** Resolves with the first line matching, failing after a few seconds with what came. */
    async waitFor(re: RegExp): Promise<string> {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const line = out.split('\n').find((l) => re.test(l));
        if (line) return line;
        if (Date.now() > deadline) throw new Error(`no line matching ${re} in:\n${out}${err}`);
        await new Promise<void>((resolve) => { waiters.push(resolve); setTimeout(resolve, 200); });
      }
    },
    async stop(): Promise<void> {
      child.kill('SIGTERM');
      await exited;
    },
    exited,
  };
}

interface Wire { [k: string]: unknown; Type: string; Action: string; Actor: { ID: string; Attributes: Record<string, string> } }

async function replay(d: TestDaemon, query: string, version = 'v1.50'): Promise<{ status: number; type: string; events: Wire[]; raw: string }> {
  const r = await d.api('GET', `/${version}/events?${query}`);
  const raw = r.raw.toString();
  const events = r.status === 200 ? raw.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Wire) : [];
  return { status: r.status, type: String(r.headers['content-type']), events, raw };
}

describe('events', () => {
  let d: TestDaemon;
  let busyboxID: string;
  let tarball: string;

  before(async () => {
    d = await TestDaemon.start();
    const r = await d.tug(['bootstrap', 'busybox']);
    assert.equal(r.code, 0, r.stderr);
    busyboxID = r.stdout.trim();
    const src = join(d.dir, 'rootfs');
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, 'hello.txt'), 'hello\n');
    tarball = join(d.dir, 'rootfs.tar');
    execFileSync('tar', ['-cf', tarball, '-C', src, '.']);
  });
  after(async () => { await d.cleanup(); });

  it('streams tag, untag, import and delete live to tug events, as docker prints them', async () => {
    const stream = eventStream(d, ['--since', apiNow(), '--filter', 'type=image']);
    try {
      assert.equal((await d.tug(['tag', 'busybox', 'ev/live:1'])).code, 0);
      const tag = await stream.waitFor(/ image tag /);
      assert.match(tag, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}(Z|[+-]\\d\\d:\\d\\d) image tag ${busyboxID} \\(name=ev/live:1\\)$`));
      assert.equal((await d.tug(['rmi', 'ev/live:1'])).code, 0);
      assert.match(await stream.waitFor(/ image untag /), new RegExp(` image untag ${busyboxID} \\(name=${busyboxID}\\)$`));

      const imp = await d.tug(['import', '-c', 'LABEL team=tug', tarball, 'ev/imported:1']);
      assert.equal(imp.code, 0, imp.stderr);
      const id = imp.stdout.trim();
      assert.match(await stream.waitFor(/ image import /), new RegExp(` image import ${id} \\(name=${id}, team=tug\\)$`));
      assert.equal((await d.tug(['rmi', 'ev/imported:1'])).code, 0);
      await stream.waitFor(/ image delete /);
      const actions = stream.lines.map((l) => l.split(' ')[2]);
      assert.deepEqual(actions, ['tag', 'untag', 'tag', 'import', 'untag', 'delete']);
      assert.match(stream.lines[2]!, new RegExp(` image tag ${id} \\(name=ev/imported:1, team=tug\\)$`));
      // Once deleted the image has no labels left to report.
      assert.match(stream.lines[5]!, new RegExp(` image delete ${id} \\(name=${id}\\)$`));
    } finally {
      await stream.stop();
    }
  });

  it('replays a since/until window on GET /events and ends the response', async () => {
    const since = apiNow();
    assert.equal((await d.tug(['tag', 'busybox', 'ev/replay:1'])).code, 0);
    assert.equal((await d.tug(['rmi', 'ev/replay:1'])).code, 0);
    const until = apiNow();
    const r = await replay(d, `since=${since}&until=${until}`);
    assert.equal(r.status, 200);
    assert.equal(r.type, 'application/json');
    assert.deepEqual(r.events.map((e) => e.Action), ['tag', 'untag']);
    const line = r.raw.split('\n')[0]!;
    const nano = /"timeNano":(\d+)}$/.exec(line)?.[1];
    assert.ok(nano, line);
    assert.equal(line, `{"status":"tag","id":"${busyboxID}","Type":"image","Action":"tag","Actor":{"ID":"${busyboxID}","Attributes":{"name":"ev/replay:1"}},"scope":"local","time":${nano.slice(0, -9)},"timeNano":${nano}}`);
    // The oldest supported API version gets the same legacy fields; a window after the events gets nothing.
    const old = await replay(d, `since=${since}&until=${until}`, 'v1.24');
    assert.deepEqual(old.events.map((e) => [e.status, e.id, e.from]), [['tag', busyboxID, undefined], ['untag', busyboxID, undefined]]);
    assert.deepEqual((await replay(d, `since=${until}&until=${apiNow()}`)).events, []);
  });

  it('applies docker filters to the replay', async () => {
    const since = apiNow();
    const imp = await d.tug(['import', '-c', 'LABEL team=tug', tarball, 'ev/filtered:1']);
    assert.equal(imp.code, 0, imp.stderr);
    const id = imp.stdout.trim();
    assert.equal((await d.tug(['tag', 'busybox', 'ev/other:1'])).code, 0);
    assert.equal((await d.tug(['rmi', 'ev/filtered:1', 'ev/other:1'])).code, 0);
    const window = `since=${since}&until=${apiNow()}`;
    const actions = async (filters: object) =>
      (await replay(d, `${window}&filters=${encodeURIComponent(JSON.stringify(filters))}`)).events.map((e) => `${e.Action} ${e.Actor.ID === id ? 'imp' : 'bb'}`);
    assert.deepEqual(await actions({ type: ['image'] }), ['tag imp', 'import imp', 'tag bb', 'untag imp', 'delete imp', 'untag bb']);
    assert.deepEqual(await actions({ event: ['untag'] }), ['untag imp', 'untag bb']);
    assert.deepEqual(await actions({ label: ['team=tug'] }), ['tag imp', 'import imp', 'untag imp']);
    assert.deepEqual(await actions({ image: ['ev/other'] }), ['tag bb']);
    assert.deepEqual(await actions({ image: [id] }), ['tag imp', 'import imp', 'untag imp', 'delete imp']);
    assert.deepEqual(await actions({ type: ['container'] }), []);
    // The legacy map form the docker client sends, and names dockerd does not know (accepted, ignored).
    assert.deepEqual(await actions({ event: { delete: true } }), ['delete imp']);
    assert.deepEqual((await actions({ bogus: ['x'] })).length, 6);
  });

  it('announces save and load', async () => {
    const since = apiNow();
    const imp = await d.tug(['import', tarball, 'ev/saved:1']);
    const id = imp.stdout.trim();
    const archive = join(d.dir, 'saved.tar');
    assert.equal((await d.tug(['save', '-o', archive, 'ev/saved:1'])).code, 0);
    assert.equal((await d.tug(['rmi', 'ev/saved:1'])).code, 0);
    assert.equal((await d.tug(['load', '-i', archive])).code, 0);
    assert.equal((await d.tug(['rmi', 'ev/saved:1'])).code, 0);
    const r = await replay(d, `since=${since}&until=${apiNow()}&filters=${encodeURIComponent('{"image":["' + id + '"]}')}`);
    assert.deepEqual(r.events.map((e) => e.Action), ['tag', 'import', 'save', 'untag', 'delete', 'load', 'untag', 'delete']);
  });

  it('announces a prune with the space it reclaimed', async () => {
    const since = apiNow();
    const imp = await d.tug(['import', tarball]);
    const dangling = imp.stdout.trim();
    assert.equal((await d.tug(['image', 'prune', '-f'])).code, 0);
    const r = await replay(d, `since=${since}&until=${apiNow()}`);
    assert.deepEqual(r.events.map((e) => [e.Action, e.Actor.ID]), [['import', dangling], ['delete', dangling], ['prune', '']]);
    assert.match(r.events[2]!.Actor.Attributes.reclaimed!, /^[1-9]\d*$/);
  });

  it('sends the headers at once and streams until the client goes away', async () => {
    const res = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = request({ socketPath: d.socket, path: '/v1.50/events?filters=' + encodeURIComponent('{"type":["image"]}') }, resolve);
      req.on('error', reject);
      req.setTimeout(3000, () => reject(new Error('no headers within 3s')));
      req.end();
    });
    try {
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['content-type'], 'application/json');
      const first = new Promise<string>((resolve) => res.once('data', (b: Buffer) => resolve(b.toString())));
      assert.equal((await d.tug(['tag', 'busybox', 'ev/head:1'])).code, 0);
      const line = JSON.parse(await first) as Wire;
      assert.deepEqual([line.Action, line.Actor.Attributes.name], ['tag', 'ev/head:1']);
    } finally {
      res.destroy();
      assert.equal((await d.tug(['rmi', 'ev/head:1'])).code, 0);
    }
  });

  it('ends a live stream at a future until', async () => {
    const started = Date.now();
    const r = await d.tug(['events', '--until', ((Date.now() + 1500) / 1000).toFixed(3), '--filter', 'type=network']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.ok(Date.now() - started >= 1000, 'the stream lasted until `until`');
  });

  it('formats with --format and json; refuses bad input with docker texts and codes', async () => {
    const since = apiNow();
    assert.equal((await d.tug(['tag', 'busybox', 'ev/fmt:1'])).code, 0);
    assert.equal((await d.tug(['rmi', 'ev/fmt:1'])).code, 0);
    const until = apiNow();
    const tmpl = await d.tug(['system', 'events', '--since', since, '--until', until, '--format', '{{.Type}} {{.Action}} {{.Status}} {{.Actor.Attributes.name}} {{.Scope}}']);
    assert.equal(tmpl.stdout, `image tag tag ev/fmt:1 local\nimage untag untag ${busyboxID} local\n`);
    const json = await d.tug(['events', '--since', since, '--until', until, '--format', 'json', '-f', 'event=tag']);
    const line = json.stdout.trim();
    assert.match(line, new RegExp(`^\\{"status":"tag","id":"${busyboxID}","Type":"image","Action":"tag","Actor":\\{"ID":"${busyboxID}","Attributes":\\{"name":"ev/fmt:1"\\}\\},"scope":"local","time":\\d+,"timeNano":\\d{19}\\}$`));

    const badFormat = await d.tug(['events', '--format', '{{.Type']);
    assert.deepEqual([badFormat.code, badFormat.stderr], [64, 'Error parsing format: template: :1: unclosed action\n']);
    const badSince = await d.tug(['events', '--since', '2023-13-01']);
    assert.deepEqual([badSince.code, badSince.stderr], [1, 'parsing time "2023-13-01": month out of range\n']);
    const api = await d.api('GET', '/events?since=abc');
    assert.deepEqual([api.status, api.body], [400, { message: 'invalid value for \'since\': invalid timestamp "abc": invalid seconds "abc": invalid syntax' }]);
    const order = await d.api('GET', '/events?since=20&until=10');
    assert.deepEqual([order.status, order.body], [400, { message: '`since` time (20) cannot be after `until` time (10)' }]);
  });
});
