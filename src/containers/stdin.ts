// A process's stdin through conmon's attach socket (SOCK_SEQPACKET). Two facts of conmon 2.1.6 shape it:
// conmon copies the process's output back to every attach client with a blocking write, so a
// client that never reads stalls conmon (and the process) once ten packets are queued; and when
// a client's socket has failed a write before conmon reads its end of input, conmon frees the
// client before looking at it and never closes the process's stdin. So this writer drains what
// conmon sends, signals end of input with shutdown(SHUT_WR) while it still listens, and keeps the
// socket open until conmon closes it (the process exited) or the attach ends.
import { closeFd, connectSeqpacket, recvPacket, sendPacket, shutdownWrite } from '../sys/libc.js';

/** conmon reads its attach socket in packets of this size; bigger writes would be cut. */
const PACKET = 8192;
/** The longest pause between two drains of an idle socket, and between retries of a full one. */
const MAX_WAIT_MS = 50;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class StdinWriter {
  private fd: number | undefined;
  private ended = false;
  private disposed = false;
  private timer: NodeJS.Timeout | undefined;
  private readonly scratch = Buffer.allocUnsafe(65536);

  constructor(private readonly socketPath: string) {}

  private open(): number {
    if (this.fd === undefined) {
      this.fd = connectSeqpacket(this.socketPath);
      this.scheduleDrain(0);
    }
    return this.fd;
  }

  /** Copies a chunk in packets; waits (without blocking a thread) while conmon is not reading. */
  async write(chunk: Buffer): Promise<void> {
    if (this.ended || this.disposed) return;
    const fd = this.open();
    for (let off = 0; off < chunk.length; off += PACKET) {
      const part = chunk.subarray(off, off + PACKET);
      for (let wait = 1; !sendPacket(fd, part); wait = Math.min(wait * 2, MAX_WAIT_MS)) {
        // conmon stops reading while the process's stdin pipe is full; it may be blocked on us.
        this.drain();
        await sleep(wait);
        if (this.disposed) return;
      }
    }
  }

  /** End of input: the process sees EOF on stdin (unless conmon keeps it open). */
  async close(): Promise<void> {
    if (this.ended || this.disposed) return;
    this.ended = true;
    let fd: number;
    try {
      // Nothing was written: connect anyway, so conmon has a client whose input ends.
      fd = this.open();
    } catch {
      return;
    }
    shutdownWrite(fd);
  }

  /** The attach is over: stop listening and close the socket. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    clearTimeout(this.timer);
    if (this.fd !== undefined) closeFd(this.fd);
    this.fd = undefined;
  }

  /** Reads and drops what conmon copies back (the output comes from the log); true if any came. */
  private drain(): boolean {
    if (this.fd === undefined || this.disposed) return false;
    let got = false;
    try {
      for (;;) {
        const n = recvPacket(this.fd, this.scratch);
        if (n === undefined) return got;
        if (n === 0) break;
        got = true;
      }
    } catch {
      // A reset socket is as good as a closed one.
    }
    this.dispose();
    return got;
  }

  private scheduleDrain(wait: number): void {
    this.timer = setTimeout(() => {
      const got = this.drain();
      if (!this.disposed) this.scheduleDrain(got ? 0 : Math.min(Math.max(wait * 2, 1), MAX_WAIT_MS));
    }, wait);
    this.timer.unref();
  }
}
