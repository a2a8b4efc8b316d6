// Attaching to a container (and to an exec): its output is the log conmon writes, followed from
// the moment of attaching until the process exits; its stdin goes through conmon's attach socket.
import { readLogs, type LogMessage } from './logs/index.js';

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
