// Hijacked connections (attach, exec start): after dockerd's response head the HTTP connection
// becomes a raw byte stream both ways. With `Upgrade: tcp` the answer is 101 UPGRADED, without
// it a bare 200 (older clients); stdout and stderr are multiplexed unless there is a TTY.
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { compareVersions } from './version.js';
import type { Context } from './http.js';

export const RAW_STREAM = 'application/vnd.docker.raw-stream';
export const MULTIPLEXED_STREAM = 'application/vnd.docker.multiplexed-stream';

/** The content type dockerd announces: multiplexed-stream (API ≥ 1.42, no TTY) or raw-stream. */
export function streamType(tty: boolean, apiVersion: string): string {
  return !tty && compareVersions(apiVersion, '1.42') >= 0 ? MULTIPLEXED_STREAM : RAW_STREAM;
}

/** Takes over the connection: writes the response head and returns the raw socket. */
export function hijack(ctx: Context, contentType: string): Duplex {
  const socket = ctx.upgrade?.socket ?? ctx.req.socket;
  ctx.res.detachSocket(socket as never);
  ctx.hijacked = true;
  const head = ctx.upgrade
    ? `HTTP/1.1 101 UPGRADED\r\nContent-Type: ${contentType}\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`
    : `HTTP/1.1 200 OK\r\nContent-Type: ${contentType}\r\n\r\n`;
  socket.write(head);
  if (ctx.upgrade?.head.length) socket.unshift(ctx.upgrade.head);
  return socket;
}

/**
 * Node hands an upgrade request's body over with the raw stream (`head`): the body's bytes are
 * split off for readBody, so that only what follows them is the container's stdin.
 */
export function takeUpgradeBody(req: IncomingMessage, head: Buffer): Buffer {
  const declared = Number(req.headers['content-length'] ?? 0);
  const length = Number.isSafeInteger(declared) && declared > 0 ? Math.min(declared, head.length) : 0;
  const body = head.subarray(0, length);
  Object.defineProperty(req, Symbol.asyncIterator, {
    value: async function* () {
      if (body.length) yield body;
    },
  });
  return head.subarray(length);
}
