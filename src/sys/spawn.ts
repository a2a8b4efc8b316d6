// Starting the helper programs on a container's start path (the netns shell, conmon) without
// fork(2): libuv forks, which copies the daemon's page tables and waits while the child execs,
// 2 ms of the main thread per program. posix_spawn (vfork semantics) costs 0.15 ms.
import { closeSync } from 'node:fs';
import { Socket } from 'node:net';
import { constants } from 'node:os';
import { pipe, posixSpawn, reapChild } from './libc.js';

export interface ChildExit {
  /** The exit code, or null when a signal ended the child. */
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface LaunchOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Its own session, so signals to tugd's process group never reach it. */
  detached?: boolean;
  /**
   * The child's fds that are pipes to tugd, each at its index: fd 0 is written by tugd, the rest
   * are read. The other fds below 3 are /dev/null.
   */
  pipes: number[];
}

export interface Launched {
  pid: number;
  /** tugd's end of each pipe, by the child's fd number. */
  streams: Map<number, Socket>;
  /** Once the child has ended. */
  exited: Promise<ChildExit>;
  /** Once the child has ended and every pipe it was given has reached its end (Node's 'close'). */
  closed: Promise<ChildExit>;
}

const waiting = new Map<number, (status: number) => void>();
let listening = false;
/** While a child is waited for: it keeps the process alive (as a ChildProcess does) and asks again now and then. */
let poll: NodeJS.Timeout | undefined;

/** On SIGCHLD (signals coalesce: every child still waited for is asked). */
function reapAll(): void {
  for (const [pid, done] of waiting) {
    const status = reapChild(pid);
    if (status === undefined) continue;
    waiting.delete(pid);
    done(status);
  }
  if (waiting.size === 0 && poll) {
    clearInterval(poll);
    poll = undefined;
  } else if (waiting.size > 0) {
    poll ??= setInterval(reapAll, 100);
  }
}

function exitOf(status: number): ChildExit {
  const sig = status & 0x7f;
  if (sig === 0) return { code: (status >> 8) & 0xff, signal: null };
  const name = Object.entries(constants.signals).find(([, n]) => n === sig)?.[0] as NodeJS.Signals | undefined;
  return { code: null, signal: name ?? null };
}

/** Runs `file` (looked up in PATH) with `args`; throws at once when it cannot be run. */
export function launch(file: string, args: string[], opts: LaunchOptions): Launched {
  if (!listening) {
    // libuv reaps only the children it spawned (by PID); these are ours to wait for.
    process.on('SIGCHLD', reapAll);
    listening = true;
  }
  const ends: { fd: number; pair: [number, number] }[] = [];
  try {
    for (const fd of opts.pipes) ends.push({ fd, pair: pipe() });
  } catch (err) {
    for (const { pair } of ends) pair.forEach((fd) => closeSync(fd));
    throw err;
  }
  const env = Object.entries(opts.env ?? process.env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
  let pid: number;
  try {
    pid = posixSpawn({
      file,
      argv: [file, ...args],
      env,
      cwd: opts.cwd,
      setsid: opts.detached,
      // fd 0 reads from the pipe's read end; the others write to its write end.
      fds: ends.map(({ fd, pair }) => [fd === 0 ? pair[0] : pair[1], fd]),
    });
  } catch (err) {
    for (const { pair } of ends) pair.forEach((fd) => closeSync(fd));
    throw err;
  }
  const streams = new Map<number, Socket>();
  for (const { fd, pair } of ends) {
    closeSync(fd === 0 ? pair[0] : pair[1]);
    const mine = fd === 0 ? pair[1] : pair[0];
    const s = new Socket({ fd: mine, readable: fd !== 0, writable: fd === 0 });
    // A child that ends early makes writes fail with EPIPE: its exit says what happened (and a
    // failed read still ends in 'close'). Without a listener, an error would take tugd down.
    s.on('error', () => undefined);
    streams.set(fd, s);
  }
  const exited = new Promise<ChildExit>((resolve) => {
    waiting.set(pid, (status) => resolve(exitOf(status)));
  });
  // It may have ended before the listener saw its signal.
  reapAll();
  const ended = [...streams].filter(([fd]) => fd !== 0).map(([, s]) => new Promise<void>((resolve) => {
    s.once('close', () => resolve());
    s.once('end', () => reapAll());
  }));
  const closed = Promise.all([exited, ...ended]).then(([exit]) => exit);
  return { pid, streams, exited, closed };
}
