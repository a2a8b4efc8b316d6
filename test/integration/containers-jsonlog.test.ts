// The json-file log tugd makes from conmon's journal, with real containers: the bytes at LogPath
// are Docker's json-file entries (streams apart, partial lines, times), `logs` flags read them,
// every line is there exactly once across a kill -9 of tugd while a container writes (the journal
// rotated meanwhile; with compress, the kept files gzipped whatever the crash cut short) and for a
// container that exits while tugd is down, and a container whose
// LogPath is conmon's own file (made by an older tug) still gives its logs.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename, dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;
const LABEL = ['--label', 'tug.test=containers-jsonlog'];

before(async () => {
  d = await TestDaemon.start();
  assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
});

after(async () => {
  await d.cleanup();
});

const tug = (args: string[]): Promise<string> => d.tugOk(args);

interface Entry {
  log: string;
  stream: string;
  time: string;
}

async function logPath(name: string): Promise<string> {
  return (await tug(['inspect', '-f', '{{.LogPath}}', name])).trim();
}

function entries(path: string): Entry[] {
  return readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Entry);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** `count` numbered lines as fast as busybox sh writes them, after /go appears; a pause after every `burst`. */
const numbered = (count: number, burst = count) =>
  `while [ ! -e /go ]; do sleep 0.02; done; i=0; while [ $i -lt ${count} ]; do echo "n=$i padding-padding"; i=$((i+1)); [ $((i % ${burst})) = 0 ] && sleep 0.1; done; true`;

function assertEveryLineOnce(out: string, count: number): void {
  const lines = out.split('\n').filter(Boolean);
  const numbers = lines.map((l) => Number(/^n=(\d+) padding-padding$/.exec(l)?.[1] ?? NaN));
  const wrong = numbers.findIndex((n, i) => n !== i);
  assert.equal(wrong, -1, `line ${wrong} is ${JSON.stringify(lines[wrong])}`);
  assert.equal(lines.length, count);
}

describe('json-file log at LogPath', () => {
  it('holds Docker entries with streams apart, partial lines and UTC times; logs reads it', async () => {
    const script = 'echo out1; echo err1 >&2; printf part; sleep 0.2; echo ial; echo "<&>"; sleep 1.1; echo late';
    const r = await d.tug(['run', '--name', 'jl', ...LABEL, 'busybox', 'sh', '-c', script]);
    assert.equal(r.code, 0, r.stderr);
    const id = (await tug(['inspect', '-f', '{{.Id}}', 'jl'])).trim();
    const path = await logPath('jl');
    assert.equal(path, join(d.dataRoot, 'containers', id, `${id}-json.log`));
    const raw = readFileSync(path, 'utf8');
    // dockerd's jsonlog escaping of HTML characters, its field order.
    assert.match(raw, /^\{"log":"out1\\n","stream":"stdout","time":"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z"\}\n/);
    assert.ok(raw.includes('{"log":"\\u003c\\u0026\\u003e\\n","stream":"stdout"'), raw);
    const all = entries(path);
    // conmon reads the two pipes in its own order: each stream's entries are in order.
    assert.deepEqual(all.filter((e) => e.stream === 'stdout').map((e) => e.log), ['out1\n', 'part', 'ial\n', '<&>\n', 'late\n']);
    assert.deepEqual(all.filter((e) => e.stream === 'stderr').map((e) => e.log), ['err1\n']);
    assert.equal(all.length, 6);
    for (const e of all) assert.ok(!e.time.endsWith('0Z'), `trailing zero kept in ${e.time}`);
    const times = all.map((e) => Date.parse(e.time));
    assert.ok(times.every((t, i) => i === 0 || t >= times[i - 1]!), 'times go back');

    const logs = await d.tug(['logs', 'jl']);
    assert.equal(logs.stdout, 'out1\npartial\n<&>\nlate\n');
    assert.equal(logs.stderr, 'err1\n');
    assert.equal(await tug(['logs', '--tail', '2', 'jl']), '<&>\nlate\n');
    const stamped = (await tug(['logs', '-t', '--tail', '1', 'jl'])).trim();
    assert.match(stamped, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z late$/);
    // --since the last line's time keeps only it; --until just before it drops it.
    const lateNs = BigInt(Date.parse(all.at(-1)!.time)) * 1_000_000n;
    const secs = (ns: bigint) => `${ns / 1_000_000_000n}.${(ns % 1_000_000_000n).toString().padStart(9, '0')}`;
    assert.equal(await tug(['logs', '--since', secs(lateNs - 500_000_000n), 'jl']), 'late\n');
    assert.equal(await tug(['logs', '--until', secs(lateNs - 500_000_000n), 'jl']), 'out1\npartial\n<&>\n');
    await tug(['rm', 'jl']);
  });

  it('logs -f of a running container follows the json-file log until the exit', async () => {
    await tug(['run', '-d', '--name', 'jf', ...LABEL, 'busybox', 'sh', '-c', 'for i in 1 2 3; do echo tick$i; sleep 0.3; done']);
    assert.equal(await tug(['logs', '-f', 'jf']), 'tick1\ntick2\ntick3\n');
    await tug(['rm', 'jf']);
  });
});

describe('json-file log across tugd crashes', () => {
  it('every line exactly once after kill -9 of tugd while the container writes (journal rotated meanwhile)', async () => {
    const count = 60_000; // ~4 MB of journal, written over a few seconds: several journal rotations
    await tug(['run', '-d', '--name', 'crashy', ...LABEL, '--log-opt', 'max-size=1g', 'busybox', 'sh', '-c', numbered(count, 2000)]);
    const path = await logPath('crashy');
    await tug(['exec', 'crashy', 'touch', '/go']);
    for (const wait of [700, 400]) {
      await sleep(wait);
      await d.kill9();
      await sleep(300);
      await d.startProcess();
    }
    await tug(['wait', 'crashy']);
    assertEveryLineOnce(await tug(['logs', 'crashy']), count);
    // A line cut by one of conmon's pipe reads is two entries (a partial one first), as in the journal.
    assertEveryLineOnce(entries(path).map((e) => e.log).join(''), count);
    // The journal was rotated away as it was read (~4 MB were written) and converted files are gone.
    const journal = readdirSync(dirname(path)).filter((n) => n.startsWith('container.log'));
    assert.ok(journal.every((n) => n === 'container.log'), journal.join());
    if (journal.length) assert.ok(statSync(join(dirname(path), 'container.log')).size < 2 * 1024 * 1024);
    await tug(['rm', 'crashy']);
  });

  it('with compress=true, kill -9 of tugd while the container writes leaves the kept files gzipped and the kept lines each once', async () => {
    const count = 40_000;
    await tug(['run', '-d', '--name', 'gzcrash', ...LABEL, '--log-opt', 'max-size=200k', '--log-opt', 'max-file=5', '--log-opt', 'compress=true', 'busybox', 'sh', '-c', numbered(count, 2000)]);
    const path = await logPath('gzcrash');
    await tug(['exec', 'gzcrash', 'touch', '/go']);
    for (const wait of [600, 500]) {
      await sleep(wait);
      await d.kill9();
      await sleep(200);
      await d.startProcess();
    }
    await tug(['wait', 'gzcrash']);
    const names = readdirSync(dirname(path)).filter((n) => n.startsWith(basename(path)) || n.includes('.tmp')).sort();
    assert.deepEqual(names, [basename(path), ...[1, 2, 3, 4].map((i) => `${basename(path)}.${i}.gz`)]);
    for (const i of [1, 2, 3, 4]) execFileSync('gzip', ['-t', `${path}.${i}.gz`]);
    // The kept lines are the last ones written, each once and in order.
    const kept = (await tug(['logs', 'gzcrash'])).split('\n').filter(Boolean).map((l) => Number(/^n=(\d+) /.exec(l)?.[1]));
    assert.ok(kept.length > 5000 && kept.length < count, `kept ${kept.length}`);
    const wrong = kept.findIndex((n, i) => n !== count - kept.length + i);
    assert.equal(wrong, -1, `kept line ${wrong} is n=${kept[wrong]}`);
    assert.equal((await tug(['logs', '--tail', '3', 'gzcrash'])).split('\n').filter(Boolean).length, 3);
    await tug(['rm', 'gzcrash']);
  });

  it('a rotated file that a crash left uncompressed (and a half-written .gz) is compressed when tugd is back', async () => {
    await tug(['run', '-d', '--name', 'gzleft', ...LABEL, '--log-opt', 'max-size=20k', '--log-opt', 'max-file=3', '--log-opt', 'compress=true', 'busybox', 'sh', '-c', 'seq 1 5000; sleep 1000']);
    const path = await logPath('gzleft');
    for (let i = 0; i < 100 && !existsSync(`${path}.2.gz`); i++) await sleep(100);
    const before = await tug(['logs', 'gzleft']);
    await d.kill9();
    // What a crash between the rotation and the end of the compression leaves.
    writeFileSync(`${path}.1`, gunzipSync(readFileSync(`${path}.1.gz`)));
    writeFileSync(`${path}.1.gz.tmp`, 'half');
    rmSync(`${path}.1.gz`);
    await d.startProcess();
    for (let i = 0; i < 100 && existsSync(`${path}.1`); i++) await sleep(100);
    assert.deepEqual(readdirSync(dirname(path)).filter((n) => n.startsWith(basename(path))).sort(), [basename(path), `${basename(path)}.1.gz`, `${basename(path)}.2.gz`]);
    assert.equal(await tug(['logs', 'gzleft']), before);
    await tug(['rm', '-f', 'gzleft']);
  });

  it('a container that exits while tugd is down has all its lines after the restart', async () => {
    const count = 5000;
    const id = (await tug(['run', '-d', '--name', 'gone', ...LABEL, 'busybox', 'sh', '-c', numbered(count)])).trim();
    await d.kill9();
    // The container runs on under its monitor and finishes while no tugd converts anything.
    const rootfs = join(d.dataRoot, 'overlay', id, 'merged');
    writeFileSync(join(rootfs, 'go'), '');
    const exitFile = join(d.execRoot, 'exits', id);
    for (let i = 0; i < 100 && !existsSync(exitFile); i++) await sleep(100);
    assert.ok(existsSync(exitFile), 'the container did not exit');
    await d.startProcess();
    assert.equal((await tug(['inspect', '-f', '{{.State.Status}}', 'gone'])).trim(), 'exited');
    assertEveryLineOnce(await tug(['logs', 'gone']), count);
    await tug(['rm', 'gone']);
  });
});

describe('containers of an older tug', () => {
  it('a LogPath naming conmon\'s own k8s-file still gives the logs', async () => {
    await tug(['create', '--name', 'old', ...LABEL, 'busybox', 'sh', '-c', 'echo from-old; echo err-old >&2']);
    const id = (await tug(['inspect', '-f', '{{.Id}}', 'old'])).trim();
    await d.stop();
    const cfgPath = join(d.dataRoot, 'containers', id, 'config.v2.json');
    const cfg = JSON.parse(readFileSync(cfgPath, 'utf8')) as { LogPath: string };
    cfg.LogPath = join(d.dataRoot, 'containers', id, 'container.log');
    writeFileSync(cfgPath, JSON.stringify(cfg));
    await d.startProcess();
    await tug(['start', '-a', 'old']);
    const logs = await d.tug(['logs', 'old']);
    assert.equal(logs.stdout, 'from-old\n');
    assert.equal(logs.stderr, 'err-old\n');
    assert.equal(await logPath('old'), cfg.LogPath);
    assert.ok(!existsSync(join(d.dataRoot, 'containers', id, `${id}-json.log`)));
    await tug(['rm', 'old']);
  });
});
