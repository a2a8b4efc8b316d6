// What every command gets: the client for the chosen host, and the mapping from errors to
// Docker's messages and exit codes (done once, here).
import { EngineClient, resolveHost, DaemonError } from '../client/index.js';
import { TEMPLATE_ERROR_CODE, TugError, errorMessage } from '../errors.js';

export interface GlobalOptions {
  host?: string;
  debug?: boolean;
}

let globals: GlobalOptions = {};

export function setGlobals(g: GlobalOptions): void {
  globals = g;
}

export function client(): EngineClient {
  return new EngineClient(resolveHost(globals.host));
}

/** An error that carries the exit status the command must end with. */
export class ExitError extends Error {
  constructor(readonly status: number, message = '') {
    super(message);
  }
}

export function describeError(err: unknown): string {
  if (err instanceof DaemonError) return `Error response from daemon: ${err.message}`;
  // docker prints these two as they stand: the daemon being out of reach, and a --format template's failure.
  if (err instanceof TugError) return err.kind === 'Unavailable' || err.code === TEMPLATE_ERROR_CODE ? err.message : `Error: ${err.message}`;
  return `Error: ${errorMessage(err)}`;
}

/** Runs a command body; prints an error Docker-style and sets the exit code. */
export async function run(body: () => Promise<void>, failureCode = 1): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (err instanceof ExitError) {
      if (err.message) process.stderr.write(err.message.endsWith('\n') ? err.message : `${err.message}\n`);
      process.exitCode = err.status;
      return;
    }
    printError(err);
    process.exitCode = failureCode;
  }
}

/** One error line, Docker-style (plus the stack with -D for errors that are not ours). */
export function printError(err: unknown): void {
  if (globals.debug && err instanceof Error && !(err instanceof TugError)) process.stderr.write(`${err.stack}\n`);
  process.stderr.write(`${describeError(err)}\n`);
}

export function out(text: string): void {
  process.stdout.write(text);
}

/** Collects a repeatable option (`-f a -f b`). */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** `--filter key=value` flags into the API's filters map. */
export function filtersFrom(list: string[] | undefined): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const f of list ?? []) {
    const i = f.indexOf('=');
    if (i <= 0) throw new ExitError(125, `invalid argument "${f}" for "-f, --filter" flag: bad format of filter (expected name=value)`);
    const k = f.slice(0, i).trim().toLowerCase();
    (out[k] ??= []).push(f.slice(i + 1));
  }
  return out;
}

/** Asks a yes/no question on the terminal (prune's confirmation); no input means no. */
export async function confirm(question: string): Promise<boolean> {
  process.stdout.write(`${question} [y/N] `);
  if (!process.stdin.readable) return false;
  const answer = await new Promise<string>((resolve) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('\n')) done();
    };
    const done = () => {
      process.stdin.off('data', onData);
      process.stdin.off('end', done);
      process.stdin.pause();
      resolve(buf);
    };
    process.stdin.on('data', onData);
    process.stdin.on('end', done);
  });
  return /^\s*y(es)?\s*$/i.test(answer.split('\n')[0] ?? '');
}
