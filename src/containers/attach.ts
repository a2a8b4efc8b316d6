// Attaching to a container (and to an exec): its output is the log conmon writes, followed from
// the moment of attaching until the process exits; its stdin goes through conmon's attach socket.
import { close, write } from 'node:fs';
import { promisify } from 'node:util';
import { connectSeqpacket } from '../sys/libc.js';
import { readLogs, type LogMessage } from './logs/index.js';

const writeFd = promisify(write);
const closeFd = promisify(close);

/** conmon reads its attach socket in packets of this size; bigger writes would be cut. */
const PACKET = 8192;

export interface OutputOptions {
  logPath: string;
  stdout: boolean;
  stderr: boolean;
  /** Replay what is already in the log (attach `logs=1`) before following. */
  replay: boolean;
  /** Settles when the process exits: the rest of the log is read, then the output ends. */
  exited: Promise<unknown>;
  signal: AbortSignal;
}

export function attachOutput(o: OutputOptions): AsyncIterable<LogMessage> {
  return readLogs(o.logPath, { stdout: o.stdout, stderr: o.stderr, tail: o.replay ? -1 : 0, follow: true, stopWhen: o.exited.then(() => undefined), signal: o.signal });
}

/** A writer into conmon's attach socket: the container's stdin while the socket is open. */
export class StdinWriter {
  private fd: number | undefined;
  private closed = false;

  constructor(private readonly socketPath: string) {}

  private open(): number {
    this.fd ??= connectSeqpacket(this.socketPath);
    return this.fd;
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.closed) return;
    const fd = this.open();
    for (let off = 0; off < chunk.length; off += PACKET) {
      const part = chunk.subarray(off, off + PACKET);
      await writeFd(fd, part, 0, part.length);
    }
  }

  /** Closing the socket is how the container sees EOF on stdin (unless it keeps stdin open). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.fd === undefined) {
      // Nothing was written: connect once so conmon sees a client leave and closes stdin.
      try {
        this.fd = connectSeqpacket(this.socketPath);
      } catch {
        return;
      }
    }
    const fd = this.fd;
    this.fd = undefined;
    await closeFd(fd);
  }
}
