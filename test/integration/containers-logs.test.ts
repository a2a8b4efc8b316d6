// Log rotation with real containers and conmon: files rotated at max-size and capped at
// max-file, `logs` and `logs -f` right across rotations, rotation resumed after a tugd restart,
// Docker's LogConfig in inspect and its refusals, `--log-driver none`, and `--tail` on a
// large log reading only its end.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TUG, TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;
const LABEL = ['--label', 'tug.test=containers-logs'];

before(async () => {
  d = await TestDaemon.start();
  assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
});

after(async () => {
  await d.cleanup();
});

const tug = (args: string[]): Promise<string> => d.tugOk(args);

async function containerDir(name: string): Promise<string> {
  return join(d.dataRoot, 'containers', (await tug(['inspect', '-f', '{{.Id}}', name])).trim());
}

/** The json-file log and its rotations, as names relative to `<id>-json.log`. */
const logFiles = (dir: string): string[] => {
  const base = `${dir.split('/').pop()}-json.log`;
  return readdirSync(dir).filter((n) => n.startsWith(base)).map((n) => n.slice(base.length - 'json.log'.length)).sort();
};
const jsonLog = (dir: string) => join(dir, `${dir.split('/').pop()}-json.log`);

/** Once /go exists: `batches` bursts of 500 numbered lines (~43 kB each), a pause between them, then "done". */
function writer(batches: number, pause: string): string {
  return `while [ ! -e /go ]; do sleep 0.05; done; i=0; while [ $i -lt ${batches} ]; do j=0; while [ $j -lt 500 ]; do echo "line $i-$j padding-padding-padding-padding"; j=$((j+1)); done; i=$((i+1)); sleep ${pause}; done; echo done`;
}

const expected = (batches: number): string[] => {
  const out: string[] = [];
  for (let i = 0; i < batches; i++) for (let j = 0; j < 500; j++) out.push(`line ${i}-${j} padding-padding-padding-padding`);
  return [...out, 'done'];
};

/** Follows `tug logs -f` until the container exits; resolves with what it printed. */
function follow(name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(TUG, ['logs', '-f', name], { env: d.env(), stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', () => {
      clearTimeout(timer);
      resolve(out);
    });
  });
}

describe('log rotation', () => {
  it('rotates at max-size, keeps max-file files, and logs (also -f) read across them', async () => {
    await tug(['create', '--name', 'rot', ...LABEL, '--log-opt', 'max-size=100k', '--log-opt', 'max-file=3', 'busybox', 'sh', '-c', writer(20, '0.3')]);
    await tug(['start', 'rot']);
    const followed = follow('rot');
    // The follower is in place well before the first rotation drops anything.
    await new Promise((r) => setTimeout(r, 1000));
    await tug(['exec', 'rot', 'touch', '/go']);
    await tug(['wait', 'rot']);
    const lines = (await followed).split('\n').filter(Boolean);
    assert.equal(lines.length, 10_001, 'logs -f lost or repeated lines across rotations');
    assert.deepEqual(lines, expected(20));

    const dir = await containerDir('rot');
    assert.deepEqual(logFiles(dir), ['json.log', 'json.log.1', 'json.log.2']);
    for (const f of ['.1', '.2']) assert.ok(statSync(jsonLog(dir) + f).size >= 100_000, `${f} rotated early`);
    // The journal conmon writes is converted, not kept: it stays small.
    assert.ok(statSync(join(dir, 'container.log')).size < 2 * 1024 * 1024);

    // What is kept is a contiguous end of the output: older lines are gone, none in between.
    const kept = (await tug(['logs', 'rot'])).split('\n').filter(Boolean);
    const all = expected(20);
    assert.ok(kept.length > 1000 && kept.length < all.length, `kept ${kept.length}`);
    assert.deepEqual(kept, all.slice(all.length - kept.length));
    assert.deepEqual((await tug(['logs', '--tail', '3', 'rot'])).split('\n').filter(Boolean), all.slice(-3));
    assert.equal(await tug(['inspect', '-f', '{{json .HostConfig.LogConfig}}', 'rot']), '{"Type":"json-file","Config":{"max-file":"3","max-size":"100k"}}\n');
    await tug(['rm', 'rot']);
  });

  it('rotation is resumed after tugd restarts', async () => {
    await tug(['run', '-d', '--name', 'survivor', ...LABEL, '--log-opt', 'max-size=40k', '--log-opt', 'max-file=2', 'busybox', 'sh', '-c', writer(1000, '0.2')]);
    const dir = await containerDir('survivor');
    await tug(['exec', 'survivor', 'touch', '/go']);
    await d.stop();
    // While tugd is away nothing is converted: conmon's journal grows.
    const journal = join(dir, 'container.log');
    const deadline = Date.now() + 10_000;
    while (statSync(journal).size < 200_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    assert.ok(statSync(journal).size >= 200_000, `journal only ${statSync(journal).size} bytes`);
    const before = statSync(jsonLog(dir)).ino;
    await d.startProcess();
    let rotated = false;
    for (let i = 0; i < 40 && !rotated; i++) {
      await new Promise((r) => setTimeout(r, 100));
      rotated = statSync(jsonLog(dir)).ino !== before;
    }
    assert.ok(rotated, 'no rotation after the restart');
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(logFiles(dir), ['json.log', 'json.log.1']);
    assert.ok(statSync(jsonLog(dir)).size < 100_000);
    await tug(['rm', '-f', 'survivor']);
  });
});

describe('log drivers and options', () => {
  it('shows Docker\'s default LogConfig', async () => {
    await tug(['create', '--name', 'plain', ...LABEL, 'busybox', 'true']);
    assert.equal(await tug(['inspect', '-f', '{{json .HostConfig.LogConfig}}', 'plain']), '{"Type":"json-file","Config":{}}\n');
    await tug(['rm', 'plain']);
  });

  it('refuses bad --log-opt values with Docker\'s texts', async () => {
    const cases: [string[], string][] = [
      [['--log-opt', 'max-size=abc'], "invalid size: 'abc'"],
      [['--log-opt', 'max-size=0'], 'max-size must be a positive number'],
      [['--log-opt', 'max-file=0'], 'max-file cannot be less than 1'],
      [['--log-opt', 'max-file=x'], 'strconv.Atoi: parsing "x": invalid syntax'],
      [['--log-opt', 'nope=1'], "unknown log opt 'nope' for json-file log driver"],
      [['--log-driver', 'syslog'], "logger: no log driver named 'syslog' is registered"],
    ];
    for (const [flags, message] of cases) {
      const r = await d.tug(['run', '--rm', ...flags, 'busybox', 'true']);
      assert.equal(r.code, 125, flags.join(' '));
      assert.match(r.stderr, new RegExp(message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), flags.join(' '));
    }
  });

  it('--log-driver none still attaches, but logs says Docker\'s error', async () => {
    const r = await d.tug(['run', '--name', 'quiet', ...LABEL, '--log-driver', 'none', 'busybox', 'echo', 'attached']);
    assert.equal(r.stdout, 'attached\n');
    const logs = await d.tug(['logs', 'quiet']);
    assert.equal(logs.code, 1);
    assert.match(logs.stderr, /configured logging driver does not support reading/);
    assert.equal(await tug(['inspect', '-f', '{{.HostConfig.LogConfig.Type}}', 'quiet']), 'none\n');
    await tug(['rm', 'quiet']);
  });
});

describe('logs --tail on a large log', () => {
  it('reads only the end of a 100 MB log', async () => {
    await tug(['run', '-d', '--name', 'big', ...LABEL, '--log-opt', 'max-size=1g', 'busybox', 'sh', '-c', "head -c 100000000 /dev/zero | tr '\\0' x | fold -w 8000"]);
    await tug(['wait', 'big']);
    const dir = await containerDir('big');
    assert.ok(statSync(jsonLog(dir)).size > 100_000_000);
    const io = () => Number(/rchar: (\d+)/.exec(readFileSync(`/proc/${d.proc!.pid}/io`, 'utf8'))![1]);
    const before = io();
    const out = await tug(['logs', '--tail', '10', 'big']);
    const read = io() - before;
    assert.deepEqual(out.split('\n').filter(Boolean), Array(10).fill('x'.repeat(8000)));
    // The daemon read a few records' worth from the end, not the file.
    assert.ok(read < 2_000_000, `tugd read ${read} bytes for --tail 10`);
    await tug(['rm', 'big']);
  });
});
