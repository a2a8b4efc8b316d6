// The streaming container endpoints: attach (hijacked), logs, and exec create/start/inspect/
// resize. Output is the log conmon writes; stdin goes to conmon's attach socket.
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import { attachOutput } from '../../containers/attach.js';
import type { ExecConfig } from '../../containers/exec.js';
import { assertReadable, encodeLogMessage, readLogs, type LogMessage } from '../../containers/logs/index.js';
import { StdinWriter } from '../../containers/stdin.js';
import { errorMessage, InvalidParameterError } from '../../errors.js';
import { encodeFrames, StdStream } from '../../streams/stdcopy.js';
import { attachKey, attachSocketPath, writeControl } from '../../runtime/conmon.js';
import { hijack, streamType } from '../hijack.js';
import { queryBool, readJSON, sendJSON, type Context } from '../http.js';
import type { Router } from '../router.js';
import type { Services } from '../services.js';

/** Writes with backpressure; false when the client has gone. */
async function send(out: Duplex | NodeJS.WritableStream, data: Buffer): Promise<boolean> {
  if ((out as Duplex).destroyed) return false;
  if (out.write(data)) return true;
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    out.once('drain', onDrain);
    out.once('close', onClose);
  });
}

async function pump(messages: AsyncIterable<LogMessage>, out: Duplex | NodeJS.WritableStream, o: { tty: boolean; timestamps: boolean; details?: boolean }): Promise<void> {
  for await (const msg of messages) {
    if (!(await send(out, encodeLogMessage(msg, o)))) return;
  }
}

/** Copies the client's bytes into the process's stdin, in order; its half-close closes stdin. */
function forwardStdin(conn: Duplex, writer: StdinWriter, ready: Promise<void>): StdinWriter {
  let chain = ready;
  conn.on('data', (d: Buffer) => {
    conn.pause();
    chain = chain.then(() => writer.write(d)).catch(() => undefined).then(() => { conn.resume(); });
  });
  const close = () => { chain = chain.then(() => writer.close()).catch(() => undefined); };
  conn.once('end', close);
  conn.once('close', close);
  return writer;
}

/** Docker's `since`/`until`: UNIX seconds with an optional fraction, as nanoseconds. */
export function parseUnixNs(value: string | null): bigint | undefined {
  if (!value || value === '0') return undefined;
  const m = /^(-?\d+)(?:\.(\d{1,9}))?$/.exec(value);
  if (!m) throw new InvalidParameterError(`invalid timestamp: ${value}`);
  return BigInt(m[1]!) * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

function parseTail(value: string | null): number {
  if (value === null || value === '' || value === 'all') return -1;
  if (!/^\d+$/.test(value)) return -1;
  return Number(value);
}

export function registerStreamRoutes(r: Router, { containers, exec, events }: Services): void {
  r.post('/containers/{name}/attach', async (ctx: Context) => {
    const { query } = ctx;
    const rec = containers.store.get(ctx.params.name!);
    const tty = rec.Config.Tty ?? false;
    const wantStdin = queryBool(query, 'stdin') && (rec.Config.OpenStdin ?? false);
    const exited = containers.waiters.wait(rec.ID, 'next-exit', () => containers.store.find(rec.ID));
    const started = rec.State.Running ? Promise.resolve() : containers.waiters.nextStart(rec.ID);
    const conn = hijack(ctx, streamType(tty, ctx.version));
    events.publish('container', 'attach', { ID: rec.ID, Attributes: { ...(rec.Config.Labels ?? {}), image: rec.Config.Image ?? rec.Image, name: rec.Name.slice(1) } });
    const stdin = wantStdin ? forwardStdin(conn, new StdinWriter(attachSocketPath(containers.monitorPaths(rec.ID), rec.ID)), started) : undefined;
    if (!stdin) conn.resume();
    const stream = queryBool(query, 'stream');
    const output = attachOutput({
      logPath: containers.monitorPaths(rec.ID).logPath,
      stdout: queryBool(query, 'stdout'),
      stderr: queryBool(query, 'stderr'),
      replay: queryBool(query, 'logs'),
      exited: stream ? exited : Promise.resolve(),
      signal: ctx.signal,
    });
    await pump(output, conn, { tty, timestamps: false }).finally(() => stdin?.dispose());
    conn.end();
  });

  r.get('/containers/{name}/logs', async (ctx: Context) => {
    const { query, res } = ctx;
    const rec = containers.store.get(ctx.params.name!);
    const stdout = queryBool(query, 'stdout');
    const stderr = queryBool(query, 'stderr');
    if (!stdout && !stderr) throw new InvalidParameterError('Bad parameters: you must choose at least one stream');
    assertReadable(rec.HostConfig.LogConfig);
    const tty = rec.Config.Tty ?? false;
    const follow = queryBool(query, 'follow');
    const exited = rec.State.Running && follow ? containers.waiters.wait(rec.ID, 'next-exit', () => containers.store.find(rec.ID)) : Promise.resolve();
    const messages = readLogs(rec.LogPath, {
      stdout, stderr, follow,
      tail: parseTail(query.get('tail')),
      sinceNs: parseUnixNs(query.get('since')),
      untilNs: parseUnixNs(query.get('until')),
      stopWhen: exited.then(() => undefined),
      signal: ctx.signal,
    });
    res.writeHead(200, { 'Content-Type': streamType(tty, ctx.version) });
    res.flushHeaders();
    await pump(messages, res, { tty, timestamps: queryBool(query, 'timestamps'), details: queryBool(query, 'details') });
    res.end();
  });

  r.post('/containers/{name}/exec', async ({ req, res, params }) => {
    const body = (await readJSON<ExecConfig>(req)) ?? {};
    sendJSON(res, 201, exec.create(params.name!, body));
  });

  r.get('/exec/{id}/json', async ({ res, params }) => {
    sendJSON(res, 200, exec.inspect(params.id!));
  });

  r.post('/exec/{id}/resize', async ({ res, params, query }) => {
    const s = exec.get(params.id!);
    if (s.config.Tty && s.running) await writeControl(join(s.dir, 'ctl'), `1 ${Number(query.get('h') ?? 0)} ${Number(query.get('w') ?? 0)}\n`).catch(() => undefined);
    res.writeHead(200);
    res.end();
  });

  r.post('/exec/{id}/start', async (ctx: Context) => {
    const body = (await readJSON<{ Detach?: boolean; Tty?: boolean }>(ctx.req)) ?? {};
    if (body.Detach) {
      await exec.start(ctx.params.id!);
      ctx.res.writeHead(200);
      ctx.res.end();
      return;
    }
    // As dockerd: an unknown exec is a 404; a start that fails past that (command not found, …) is a
    // line on the hijacked stream, its 126/127 in the exec's inspect. The stream is hijacked after a
    // good start, so the client's stdin (and its end) only comes once the exec can take it.
    const tty = exec.get(ctx.params.id!).config.Tty ?? false;
    let session;
    try {
      session = await exec.start(ctx.params.id!);
    } catch (err) {
      const conn = hijack(ctx, streamType(tty, ctx.version));
      conn.resume();
      const line = Buffer.from(`${errorMessage(err)}\r\n`);
      await send(conn, tty ? line : encodeFrames(StdStream.Stdout, line));
      conn.end();
      return;
    }
    const conn = hijack(ctx, streamType(tty, ctx.version));
    const handle = session.handle!;
    const exited = handle.exited.then(() => undefined);
    const paths = containers.monitorPaths(session.containerID);
    const stdin = session.config.AttachStdin ? forwardStdin(conn, new StdinWriter(join(paths.socketDir, attachKey(session.id), 'attach')), Promise.resolve()) : undefined;
    if (!stdin) conn.resume();
    const output = readLogs(handle.logPath, {
      stdout: session.config.AttachStdout ?? true,
      stderr: session.config.AttachStderr ?? true,
      follow: true,
      stopWhen: exited,
      signal: ctx.signal,
    });
    await pump(output, conn, { tty, timestamps: false }).finally(() => stdin?.dispose());
    conn.end();
  });
}
