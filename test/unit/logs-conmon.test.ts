// The real conmon writing the log of a busybox container: readLogs gives back exactly what the
// container printed, while it runs (following) and afterwards, with a TTY too, and through
// rotations by LogRotator and conmon's reopen. Skipped where conmon, runc or root are missing.
import assert from 'node:assert/strict';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { promisify } from 'node:util';
import { CONMON_LOG_SIZE_MAX, LogRotator, readLogs, type LogMessage, type ReadLogsOptions } from '../../src/containers/logs/index.js';

const run = promisify(execFile);
const CONMON = '/usr/bin/conmon';
const RUNC = '/usr/sbin/runc';

function skipReason(): string | false {
  if (process.getuid?.() !== 0) return 'needs root';
  const absent = [CONMON, RUNC, '/bin/busybox'].find((p) => !existsSync(p));
  return absent ? `${absent} is missing` : false;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  // A condition to wait for, not a time limit: the test runner's own timeout is the backstop.
  for (let i = 0; !(await check()); i++) {
    if (i > 0 && i % 500 === 0) console.error(`still waiting for ${what}`);
    await pause(10);
  }
}

/** One container under conmon, as tugd runs it, in its own temp dir. */
class Box {
  readonly id = `tug-logs-test-${process.pid}-${Math.random().toString(16).slice(2, 10)}`;
  readonly log: string;
  readonly bundle: string;
  private readonly runcRoot: string;
  private readonly exitFile: string;
  private conmonPid = 0;

  private constructor(readonly dir: string) {
    this.bundle = join(dir, 'bundle');
    this.log = join(dir, 'container.log');
    this.runcRoot = join(dir, 'runc');
    this.exitFile = join(dir, 'exit', this.id);
  }

  static async create(script: string, tty = false): Promise<Box> {
    const box = new Box(await mkdtemp(join(tmpdir(), 'tug-logs-conmon-')));
    try {
      await box.setUp(script, tty);
    } catch (err) {
      await box.remove();
      throw err;
    }
    return box;
  }

  private async setUp(script: string, tty: boolean): Promise<void> {
    const bin = join(this.bundle, 'rootfs', 'bin');
    for (const d of [bin, join(this.dir, 'exit'), join(this.dir, 'sock'), this.runcRoot]) await mkdir(d, { recursive: true });
    await copyFile('/bin/busybox', join(bin, 'busybox'));
    for (const name of ['sh', 'echo', 'printf', 'sleep', 'head', 'tr', 'seq']) await symlink('busybox', join(bin, name));
    execFileSync(RUNC, ['spec'], { cwd: this.bundle });
    const spec = JSON.parse(await readFile(join(this.bundle, 'config.json'), 'utf8'));
    spec.process.terminal = tty;
    spec.process.args = ['/bin/sh', '-c', script];
    await writeFile(join(this.bundle, 'config.json'), JSON.stringify(spec));
    const args = [
      '--api-version', '1', '-c', this.id, '-u', this.id, '-n', this.id, '-r', RUNC, '-b', this.bundle,
      '-p', join(this.dir, 'pid'), '-P', join(this.dir, 'conmon.pid'), '-l', `k8s-file:${this.log}`,
      '--log-size-max', String(CONMON_LOG_SIZE_MAX), '--exit-dir', join(this.dir, 'exit'),
      '--socket-dir-path', join(this.dir, 'sock'), '--runtime-arg', '--root', '--runtime-arg', this.runcRoot,
    ];
    if (tty) args.push('-t');
    await run(CONMON, args);
    await until('the container to be created', () => existsSync(join(this.dir, 'pid')));
    this.conmonPid = Number(await readFile(join(this.dir, 'conmon.pid'), 'utf8'));
  }

  async start(): Promise<void> {
    await run(RUNC, ['--root', this.runcRoot, 'start', this.id]);
  }

  /** Settles when conmon has written the exit code, the way tugd learns of an exit. */
  exited(): Promise<void> {
    return until('the container to exit', () => existsSync(this.exitFile));
  }

  async remove(): Promise<void> {
    await run(RUNC, ['--root', this.runcRoot, 'delete', '--force', this.id]).catch(() => undefined);
    try {
      if (this.conmonPid > 0) process.kill(this.conmonPid, 'SIGKILL');
    } catch {
      // Already gone: it leaves once the container has exited.
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function collect(log: string, opts: Partial<ReadLogsOptions> = {}): Promise<LogMessage[]> {
  const out: LogMessage[] = [];
  for await (const m of readLogs(log, { stdout: true, stderr: true, ...opts })) out.push(m);
  return out;
}

const joined = (msgs: LogMessage[], stream: 'stdout' | 'stderr') => Buffer.concat(msgs.filter((m) => m.stream === stream).map((m) => m.line)).toString();

describe('logs written by conmon', { skip: skipReason() }, () => {
  it('gives back exactly what the container printed, followed live and read afterwards', async () => {
    const long = 'x'.repeat(100_000);
    const box = await Box.create(`echo hello; echo; printf abc; echo err >&2; head -c 100000 /dev/zero | tr '\\0' x; echo; printf 'no newline'`);
    try {
      const exited = box.exited();
      const live = collect(box.log, { follow: true, stopWhen: exited });
      await box.start();
      await exited;
      const followed = await live;
      const stdout = `hello\n\nabc${long}\nno newline`;
      assert.equal(joined(followed, 'stdout'), stdout);
      assert.equal(joined(followed, 'stderr'), 'err\n');
      // Read afterwards: whole lines, each stream in its order (how the two interleave is conmon's).
      const after = await collect(box.log);
      const lines = (stream: string) => after.filter((m) => m.stream === stream).map((m) => m.line.toString());
      assert.deepEqual(lines('stdout'), ['hello\n', '\n', `abc${long}\n`, 'no newline']);
      assert.deepEqual(lines('stderr'), ['err\n']);
    } finally {
      await box.remove();
    }
  });

  it('with a TTY, logs everything as stdout, lines ending "\\r\\n"', async () => {
    const box = await Box.create('echo out; echo err >&2', true);
    try {
      await box.start();
      await box.exited();
      assert.deepEqual((await collect(box.log)).map((m) => [m.stream, m.line.toString()]), [['stdout', 'out\r\n'], ['stdout', 'err\r\n']]);
    } finally {
      await box.remove();
    }
  });

  it('follows through LogRotator rotations without losing or repeating a line', async () => {
    // Three batches of 40 lines; before each next batch the container waits for a file the test makes.
    const batch = (k: number) => `i=0; while [ $i -lt 40 ]; do echo "b${k} line $i"; i=$((i+1)); done`;
    const wait = (k: number) => `while [ ! -e /go${k} ]; do sleep 0.02; done`;
    const box = await Box.create([batch(0), wait(1), batch(1), wait(2), batch(2)].join('; '));
    try {
      const rotator = new LogRotator(box.log, join(box.bundle, 'ctl'), { maxSize: 500, maxFiles: 5, compress: false });
      const exited = box.exited();
      const it = readLogs(box.log, { stdout: true, stderr: true, follow: true, stopWhen: exited })[Symbol.asyncIterator]();
      const got: string[] = [];
      const upTo = async (n: number) => {
        while (got.length < n) {
          const next = await it.next();
          assert.ok(!next.done);
          got.push(next.value.line.toString());
        }
      };
      await box.start();
      for (const k of [1, 2]) {
        await upTo(40 * k);
        assert.equal(await rotator.check(), true);
        // conmon has read "2 0 0" once the name is back.
        await until('conmon to reopen the log', () => existsSync(box.log));
        await writeFile(join(box.bundle, 'rootfs', `go${k}`), '');
      }
      await upTo(120);
      assert.equal((await it.next()).done, true);
      const want = [0, 1, 2].flatMap((k) => Array.from({ length: 40 }, (_, i) => `b${k} line ${i}\n`));
      assert.deepEqual(got, want);
      assert.deepEqual((await readdir(box.dir)).filter((n) => n.startsWith('container.log')).sort(), ['container.log', 'container.log.1', 'container.log.2']);
      assert.deepEqual((await collect(box.log)).map((m) => m.line.toString()), want);
      assert.deepEqual((await collect(box.log, { tail: 50 })).map((m) => m.line.toString()), want.slice(-50));
    } finally {
      await box.remove();
    }
  });
});
