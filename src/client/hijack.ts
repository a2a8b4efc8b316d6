// The client half of a hijacked connection: the request goes out with `Upgrade: tcp`, the
// daemon answers 101 (or 200), and the socket is then the container's streams both ways.
import { connect, type Socket } from 'node:net';
import { UnavailableError } from '../errors.js';
import { buildQuery, CLIENT_API_VERSION, DaemonError, type RequestOptions, type Transport } from './http.js';

export interface Hijacked {
  /** Read the output; write stdin; `end()` half-closes (stdin EOF) and output keeps coming. */
  conn: Socket;
  /** Whether stdout and stderr arrive as stdcopy frames (no TTY). */
  multiplexed: boolean;
}

function readHead(sock: Socket): Promise<{ status: number; headers: Record<string, string>; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const end = buf.indexOf('\r\n\r\n');
      if (end < 0) return;
      sock.off('data', onData);
      sock.off('error', reject);
      sock.pause();
      const [statusLine = '', ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, rest: buf.subarray(end + 4) });
    };
    sock.on('data', onData);
    sock.on('error', reject);
    sock.on('end', () => reject(new Error('the daemon closed the connection before answering')));
  });
}

async function errorBody(sock: Socket, headers: Record<string, string>, rest: Buffer): Promise<string> {
  const length = Number(headers['content-length'] ?? -1);
  let body = rest;
  sock.resume();
  await new Promise<void>((resolve) => {
    if (length >= 0 && body.length >= length) return resolve();
    sock.on('data', (d: Buffer) => {
      body = Buffer.concat([body, d]);
      if (length >= 0 && body.length >= length) resolve();
    });
    sock.on('end', () => resolve());
    sock.on('close', () => resolve());
  });
  sock.destroy();
  const text = body.toString('utf8').trim();
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    return text;
  }
}

export async function hijack(transport: Transport, method: string, path: string, opts: Pick<RequestOptions, 'query' | 'json'> = {}): Promise<Hijacked> {
  const sock = connect({ path: transport.socketPath, allowHalfOpen: true });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', resolve);
    sock.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'ENOENT' || err.code === 'ECONNREFUSED' || err.code === 'EACCES') reject(new UnavailableError(`Cannot connect to the tug daemon at ${transport.hostLabel}. Is tugd running?`));
      else reject(err);
    });
  });
  const body = opts.json === undefined ? Buffer.alloc(0) : Buffer.from(JSON.stringify(opts.json));
  const head = [
    `${method} /v${CLIENT_API_VERSION}${path}${buildQuery(opts.query)} HTTP/1.1`,
    'Host: tug',
    'User-Agent: tug-cli',
    'Connection: Upgrade',
    'Upgrade: tcp',
    ...(body.length ? ['Content-Type: application/json'] : []),
    `Content-Length: ${body.length}`,
    '', '',
  ].join('\r\n');
  sock.write(Buffer.concat([Buffer.from(head), body]));
  const res = await readHead(sock);
  if (res.status !== 101 && res.status !== 200) throw new DaemonError(res.status, await errorBody(sock, res.headers, res.rest));
  if (res.rest.length) sock.unshift(res.rest);
  return { conn: sock, multiplexed: res.headers['content-type'] === 'application/vnd.docker.multiplexed-stream' };
}
