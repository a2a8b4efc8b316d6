// The terminal side of attach, run -it and exec -it: the local terminal in raw mode, stdin
// copied through the detach-key matcher (Ctrl-P Ctrl-Q by default), output demultiplexed,
// the TTY size sent at start and on every SIGWINCH.
import type { Socket } from 'node:net';
import type { Readable, Writable } from 'node:stream';
import { FrameDecoder, StdStream } from '../../streams/stdcopy.js';

export const DEFAULT_DETACH_KEYS = [0x10, 0x11];

/** docker's term.ToBytes: comma-separated `ctrl-<a-z@[\]^_>` or single characters. */
export function parseDetachKeys(spec: string): number[] {
  const keys: number[] = [];
  for (const raw of spec.split(',')) {
    const key = raw.trim();
    if (key.length > 1 && key.toLowerCase().startsWith('ctrl-') && key.length === 6) {
      const c = key.toLowerCase()[5]!;
      if (c >= 'a' && c <= 'z') keys.push(c.charCodeAt(0) - 0x60);
      else if ('@[\\]^_'.includes(c)) keys.push(c.charCodeAt(0) - 0x40);
      else throw new Error(`Unknown character: '${key}'`);
    } else if (key.length === 1) keys.push(key.charCodeAt(0));
    else throw new Error(`Unknown character: '${key}'`);
  }
  return keys;
}

/**
 * docker's EscapeProxy: bytes that may start the detach sequence are held back; when the
 * sequence breaks they are sent after all. `feed` returns what to forward and whether to detach.
 */
export class DetachMatcher {
  private held: number[] = [];

  constructor(private readonly keys: readonly number[]) {}

  feed(chunk: Buffer): { forward: Buffer; detach: boolean } {
    const out: number[] = [];
    for (const b of chunk) {
      if (this.keys.length && b === this.keys[this.held.length]) {
        this.held.push(b);
        if (this.held.length === this.keys.length) return { forward: Buffer.from(out), detach: true };
        continue;
      }
      out.push(...this.held);
      this.held = [];
      if (this.keys.length && b === this.keys[0]) this.held.push(b);
      else out.push(b);
    }
    return { forward: Buffer.from(out), detach: false };
  }
}

export interface AttachStreamsOptions {
  conn: Socket;
  multiplexed: boolean;
  tty: boolean;
  stdin?: Readable & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stdout: Writable & { rows?: number; columns?: number; isTTY?: boolean };
  stderr: Writable;
  detachKeys?: number[];
  onResize?: (height: number, width: number) => void;
}

export function attachStreams(o: AttachStreamsOptions): Promise<{ detached: boolean }> {
  return new Promise((resolve, reject) => {
    const raw = o.tty && o.stdin?.isTTY && typeof o.stdin.setRawMode === 'function';
    if (raw) o.stdin!.setRawMode!(true);
    const resize = () => {
      if (o.onResize && o.stdout.rows && o.stdout.columns) o.onResize(o.stdout.rows, o.stdout.columns);
    };
    if (o.onResize) {
      resize();
      process.on('SIGWINCH', resize);
    }
    let finished = false;
    const finish = (detached: boolean, err?: Error) => {
      if (finished) return;
      finished = true;
      if (raw) o.stdin!.setRawMode!(false);
      process.off('SIGWINCH', resize);
      if (o.stdin) {
        o.stdin.off('data', onInput);
        o.stdin.pause();
      }
      if (detached) o.conn.destroy();
      if (err) reject(err);
      else resolve({ detached });
    };
    const matcher = new DetachMatcher(o.tty ? o.detachKeys ?? DEFAULT_DETACH_KEYS : o.detachKeys ?? []);
    const onInput = (chunk: Buffer) => {
      const { forward, detach } = matcher.feed(chunk);
      if (forward.length) o.conn.write(forward);
      if (detach) finish(true);
    };
    if (o.stdin) {
      o.stdin.on('data', onInput);
      // End of input is end of the container's stdin: half-close, keep reading the output.
      o.stdin.once('end', () => o.conn.end());
    }
    const decoder = o.multiplexed ? new FrameDecoder() : undefined;
    o.conn.on('data', (d: Buffer) => {
      if (!decoder) {
        o.stdout.write(d);
        return;
      }
      for (const f of decoder.push(d)) (f.stream === StdStream.Stderr ? o.stderr : o.stdout).write(f.payload);
    });
    o.conn.on('end', () => finish(false));
    o.conn.on('close', () => finish(false));
    o.conn.on('error', (err) => finish(false, err));
    o.conn.resume();
  });
}
