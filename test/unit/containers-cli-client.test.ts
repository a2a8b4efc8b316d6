// ContainerClient against a scripted HTTP server on a Unix socket (the requests it sends and how
// it reads the answers), the logs demuxer, and inspect's output forms.
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ContainerClient, encodeFilters } from '../../src/client/containers.js';
import { DaemonError, Transport, readAll } from '../../src/client/index.js';
import { ExitError } from '../../src/cli/context.js';
import { demux, logTimestamp } from '../../src/cli/commands/containers/logs.js';
import { formatInspected, indentJSON, isSkippable } from '../../src/cli/commands/containers/inspect.js';
import { parseTemplate } from '../../src/cli/format/template.js';
import { encodeFrames, StdStream } from '../../src/streams/stdcopy.js';

interface Seen {
  method: string;
  url: string;
  contentType?: string;
  body: Buffer;
}

let dir: string;
let server: Server;
let api: ContainerClient;
const seen: Seen[] = [];
let reply: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void = (_req, res) => res.end();

before(async () => {
  dir = mkdtempSync('/tmp/tug-client-test-');
  const socket = join(dir, 's.sock');
  server = createServer((req, res) => {
    void readAll(req).then((body) => {
      seen.push({ method: req.method!, url: req.url!.replace(/^\/v1\.50/, ''), contentType: req.headers['content-type'], body });
      reply(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(socket, r));
  api = new ContainerClient(new Transport(socket, `unix://${socket}`));
});

after(async () => {
  await new Promise((r) => server.close(r));
  rmSync(dir, { recursive: true, force: true });
});

function answer(status: number, body: string | Buffer = '', headers: Record<string, string> = {}) {
  reply = (_req, res) => {
    res.writeHead(status, headers);
    res.end(body);
  };
}

async function last<T>(call: () => Promise<T>): Promise<[Seen, T]> {
  seen.length = 0;
  const value = await call();
  return [seen[0]!, value];
}

describe('ContainerClient requests', () => {
  it('lists with docker\'s query: sorted keys, filters as a map of sets, no limit below 1', async () => {
    answer(200, '[]');
    const [req] = await last(() => api.list({ all: true, limit: 3, size: true, filters: { status: ['exited'], label: ['b', 'a'] } }));
    assert.equal(req.url, `/containers/json?all=1&filters=${encodeURIComponent('{"label":{"a":true,"b":true},"status":{"exited":true}}')}&limit=3&size=1`);
    const [plain] = await last(() => api.list({ limit: -1 }));
    assert.equal(plain.url, '/containers/json');
    assert.equal(encodeFilters({}), undefined);
  });

  it('sends each lifecycle verb where docker does', async () => {
    answer(204);
    const calls: [() => Promise<unknown>, string][] = [
      [() => api.remove('web', { force: true, volumes: true }), 'DELETE /containers/web?force=1&v=1'],
      [() => api.stop('web', { timeout: 0, signal: 'SIGINT' }), 'POST /containers/web/stop?signal=SIGINT&t=0'],
      [() => api.restart(' web '), 'POST /containers/web/restart'],
      [() => api.kill('web'), 'POST /containers/web/kill'],
      [() => api.kill('web', 'HUP'), 'POST /containers/web/kill?signal=HUP'],
      [() => api.pause('web'), 'POST /containers/web/pause'],
      [() => api.unpause('web'), 'POST /containers/web/unpause'],
      [() => api.rename('web', 'db'), 'POST /containers/web/rename?name=db'],
      [() => api.resize('web', 24, 80), 'POST /containers/web/resize?h=24&w=80'],
    ];
    for (const [call, want] of calls) {
      const [req] = await last(call);
      assert.equal(`${req.method} ${req.url}`, want);
    }
  });

  it('refuses an empty name before any request, as moby\'s client does', async () => {
    seen.length = 0;
    await assert.rejects(api.inspect('  '), { message: 'invalid container name or ID: value is empty' });
    assert.equal(seen.length, 0);
  });

  it('turns daemon errors into DaemonError with the daemon\'s message and kind', async () => {
    answer(404, JSON.stringify({ message: 'No such container: nope' }), { 'Content-Type': 'application/json' });
    await assert.rejects(api.pause('nope'), (err: unknown) => err instanceof DaemonError && err.kind === 'NotFound' && err.message === 'No such container: nope');
  });

  it('wait: the status code, or the Error message the daemon put in the body', async () => {
    answer(200, '{"StatusCode":137}\n');
    const [req, res] = await last(() => api.wait('web', 'next-exit'));
    assert.equal(req.url, '/containers/web/wait?condition=next-exit');
    assert.equal(res.StatusCode, 137);
    answer(200, '{"StatusCode":0,"Error":{"Message":"container removed"}}');
    await assert.rejects(api.wait('web'), { message: 'container removed' });
  });

  it('logs: the query, and whether the stream is multiplexed from its content type', async () => {
    answer(200, encodeFrames(StdStream.Stdout, Buffer.from('hi\n')), { 'Content-Type': 'application/vnd.docker.multiplexed-stream' });
    const [req, logs] = await last(() => api.logs('web', { stdout: true, stderr: true, since: '1.5', tail: 'all', follow: true, timestamps: true }));
    assert.equal(req.url, '/containers/web/logs?follow=1&since=1.5&stderr=1&stdout=1&tail=all&timestamps=1');
    assert.equal(logs.multiplexed, true);
    assert.equal((await readAll(logs.stream)).length, 11);
    answer(200, 'raw\n', { 'Content-Type': 'application/vnd.docker.raw-stream' });
    const raw = await api.logs('web');
    assert.equal(raw.multiplexed, false);
    assert.equal((await readAll(raw.stream)).toString(), 'raw\n');
  });

  it('stats: stream flag, and samples read one JSON per line', async () => {
    answer(200, '{"read":"a","cpu_stats":{}}\n{"read":"b","cpu_stats":{}}\n');
    seen.length = 0;
    const reads: string[] = [];
    for await (const s of api.statsSamples('web', { stream: true })) reads.push(s.read);
    assert.deepEqual(reads, ['a', 'b']);
    assert.equal(seen[0]!.url, '/containers/web/stats?stream=1');
    const [oneShot] = await last(() => api.stats('web', { oneShot: true }).then((b) => readAll(b)));
    assert.equal(oneShot.url, '/containers/web/stats?one-shot=1&stream=0');
  });

  it('archives: the stat header decoded on HEAD and GET, PUT with the tar as the body', async () => {
    const stat = { name: 'passwd', size: 5, mode: 0o644, mtime: '2024-01-01T00:00:00Z', linkTarget: '' };
    answer(200, 'TAR', { 'X-Docker-Container-Path-Stat': Buffer.from(JSON.stringify(stat)).toString('base64') });
    const [head, s] = await last(() => api.statPath('web', '/etc/passwd'));
    assert.equal(`${head.method} ${head.url}`, 'HEAD /containers/web/archive?path=%2Fetc%2Fpasswd');
    assert.deepEqual(s, stat);
    const got = await api.getArchive('web', '/etc/passwd');
    assert.deepEqual([(await readAll(got.stream)).toString(), got.stat.name], ['TAR', 'passwd']);
    answer(200);
    const [put] = await last(() => api.putArchive('web', '/tmp', Readable.from([Buffer.from('a'), Buffer.from('bc')]), { copyUIDGID: true }));
    assert.equal(`${put.method} ${put.url}`, 'PUT /containers/web/archive?copyUIDGID=true&noOverwriteDirNonDir=true&path=%2Ftmp');
    assert.equal(put.body.toString(), 'abc');
    answer(200, 'TAR');
    await assert.rejects(api.getArchive('web', '/x'), { message: /^unable to get resource stat from response: unable to decode container path stat header/ });
  });

  it('update, prune, commit, top, changes: bodies and answers', async () => {
    answer(200, '{"Warnings":["w"]}');
    const [upd, warnings] = await last(() => api.update('web', { Memory: 1024, RestartPolicy: { Name: 'always' } }));
    assert.deepEqual([upd.contentType, JSON.parse(upd.body.toString()), warnings.Warnings], ['application/json', { Memory: 1024, RestartPolicy: { Name: 'always' } }, ['w']]);
    answer(200, '{"ContainersDeleted":["a"],"SpaceReclaimed":3}');
    const [prune, report] = await last(() => api.prune({ until: ['24h'] }));
    assert.equal(prune.url, `/containers/prune?filters=${encodeURIComponent('{"until":{"24h":true}}')}`);
    assert.deepEqual(report, { ContainersDeleted: ['a'], SpaceReclaimed: 3 });
    answer(201, '{"Id":"sha256:abc"}');
    const [commit, id] = await last(() => api.commit('web', { repo: 'docker.io/library/x', tag: 'latest', changes: ['ENV A=1', 'CMD x'], pause: false }));
    assert.equal(commit.url, '/commit?author=&changes=ENV+A%3D1&changes=CMD+x&comment=&container=web&pause=0&repo=docker.io%2Flibrary%2Fx&tag=latest');
    assert.equal(commit.body.length, 0);
    assert.equal(id.Id, 'sha256:abc');
    answer(200, '{"Titles":["PID"],"Processes":[["1"]]}');
    const [top] = await last(() => api.top('web', ['-o', 'pid']));
    assert.equal(top.url, '/containers/web/top?ps_args=-o+pid');
    answer(200, 'null');
    assert.deepEqual(await api.changes('web'), []);
  });
});

describe('logs demux', () => {
  function sink(): PassThrough & { text: () => string } {
    const s = new PassThrough() as PassThrough & { text: () => string };
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.text = () => Buffer.concat(chunks).toString();
    return s;
  }

  it('sends each frame to its stream, even when frames are split across chunks', async () => {
    const bytes = Buffer.concat([encodeFrames(StdStream.Stdout, Buffer.from('out\n')), encodeFrames(StdStream.Stderr, Buffer.from('err\n')), encodeFrames(StdStream.Stdout, Buffer.from('more\n'))]);
    const chunks = [bytes.subarray(0, 3), bytes.subarray(3, 14), bytes.subarray(14)];
    const [out, err] = [sink(), sink()];
    await demux(Readable.from(chunks), out, err);
    assert.deepEqual([out.text(), err.text()], ['out\nmore\n', 'err\n']);
  });

  it('ends with the daemon\'s error frame, and refuses a stream that is not framed', async () => {
    const bytes = Buffer.concat([encodeFrames(StdStream.Stdout, Buffer.from('a')), encodeFrames(StdStream.Systemerr, Buffer.from('boom'))]);
    await assert.rejects(demux(Readable.from([bytes]), sink(), sink()), (err: unknown) => err instanceof ExitError && err.message === 'error from daemon in stream: boom');
    await assert.rejects(demux(Readable.from([Buffer.from('hello world!')]), sink(), sink()), { message: 'Unrecognized input header: 104' });
  });

  it('converts --since and --until as the client does, with its error text', () => {
    const now = 1_700_000_000_000_000_000n;
    assert.equal(logTimestamp('since', '10m', now), '1699999400');
    assert.equal(logTimestamp('since', '2024-01-01T00:00:00Z', now), '1704067200.000000000');
    assert.equal(logTimestamp('until', undefined, now), undefined);
    assert.throws(() => logTimestamp('since', 'foo', now), { message: 'invalid value for "since": failed to parse value as time or duration: "foo"' });
  });
});

describe('inspect output', () => {
  it('indents like Go\'s json.Indent, keeping the daemon\'s bytes', () => {
    assert.equal(indentJSON('[{"a":1,"b":[],"c":{},"d":"x,y:{\\"z\\"}","e":[1,2]}]'),
      '[\n    {\n        "a": 1,\n        "b": [],\n        "c": {},\n        "d": "x,y:{\\"z\\"}",\n        "e": [\n            1,\n            2\n        ]\n    }\n]');
  });

  it('prints [] for nothing, compact JSON for "json", and a line per object for a template', () => {
    const items = [{ raw: '{"Name":"/a","N":1}', value: { Name: '/a', N: 1 } }, { raw: '{"Name":"/b", "N":2}', value: { Name: '/b', N: 2 } }];
    assert.equal(formatInspected([], undefined).text, '[]\n');
    assert.equal(formatInspected(items, 'json').text, '[{"Name":"/a","N":1},{"Name":"/b","N":2}]\n');
    assert.equal(formatInspected(items, '{{.Name}}', parseTemplate('{{.Name}}')).text, '/a\n/b\n');
    assert.equal(formatInspected([], '{{.Name}}', parseTemplate('{{.Name}}')).text, '\n');
  });

  it('moves on to the next kind of object only when this one is not found', () => {
    assert.ok(isSkippable(new DaemonError(404, 'No such container: x')));
    assert.ok(isSkippable(new DaemonError(400, 'invalid reference format')));
    assert.ok(!isSkippable(new DaemonError(500, 'boom')));
  });
});
