// launch runs a program through posix_spawn: its exit code or signal, its pipes, cwd, env, its own
// session, default signal dispositions and no fd of ours; a program that cannot run throws.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, openSync, closeSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { describe, it } from 'node:test';
import { launch } from '../../src/sys/spawn.js';

function text(s: Socket | undefined): Promise<string> {
  assert.ok(s);
  return new Promise((resolve) => {
    let out = '';
    s.on('data', (d: Buffer) => { out += d.toString(); });
    s.on('close', () => resolve(out));
  });
}

describe('launch', () => {
  it('gives the exit code and the output of each pipe, stdin included', async () => {
    const c = launch('sh', ['-c', 'read line; echo "out:$line"; echo err >&2; echo three >&3; exit 7'], { pipes: [0, 1, 2, 3] });
    const [out, err, three] = [text(c.streams.get(1)), text(c.streams.get(2)), text(c.streams.get(3))];
    c.streams.get(0)!.end('hello\n');
    assert.deepEqual(await c.closed, { code: 7, signal: null });
    assert.equal(await out, 'out:hello\n');
    assert.equal(await err, 'err\n');
    assert.equal(await three, 'three\n');
  });

  it('names the signal that ended the child', async () => {
    const c = launch('sh', ['-c', 'kill -TERM $$'], { pipes: [] });
    assert.deepEqual(await c.exited, { code: null, signal: 'SIGTERM' });
  });

  it('runs in cwd with exactly the env given, and stdio not piped reads /dev/null', async () => {
    const dir = mkdtempSync('/tmp/tug-launch-');
    try {
      const c = launch('sh', ['-c', 'pwd; echo "$ONLY ${HOME:-unset}"; readlink /proc/self/fd/0'], { cwd: dir, env: { ONLY: 'yes', PATH: process.env.PATH }, pipes: [1] });
      const out = text(c.streams.get(1));
      assert.equal((await c.closed).code, 0);
      assert.equal(await out, `${dir}\nyes unset\n/dev/null\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('detached: the child leads its own session', async () => {
    const c = launch('sh', ['-c', 'ps -o sid= -p $$'], { detached: true, pipes: [1] });
    const out = text(c.streams.get(1));
    await c.closed;
    assert.equal(Number((await out).trim()), c.pid);
  });

  it('resets what Node ignores (SIGPIPE) and passes no fd of ours', async () => {
    const ours = openSync('/dev/null', 'r');
    try {
      const c = launch('sh', ['-c', 'grep SigIgn /proc/self/status; ls /proc/self/fd'], { pipes: [1] });
      const out = text(c.streams.get(1));
      await c.closed;
      const [ign, ...fds] = (await out).trim().split('\n');
      assert.match(ign!, /SigIgn:\s+0+$/);
      // Beyond 0-2 and the fd ls opens: only what this process inherited without close-on-exec, as Node's own spawn passes.
      const inherited = spawnSync('ls', ['/proc/self/fd'], { encoding: 'utf8' }).stdout.trim().split('\n').map(Number).filter((fd) => fd > 3);
      assert.deepEqual(fds.map(Number).filter((fd) => fd > 3), inherited);
      assert.ok(!inherited.includes(ours));
    } finally {
      closeSync(ours);
    }
  });

  it('a program that does not exist throws ENOENT and leaves no pipe open', () => {
    assert.throws(() => launch('/nonexistent/prog', [], { pipes: [1, 2] }), { code: 'ENOENT', syscall: 'posix_spawnp' });
  });

  it('reaps its children while Node reaps its own', async () => {
    const mine = Array.from({ length: 20 }, (_, i) => launch('sh', ['-c', `exit ${i}`], { pipes: [] }));
    const nodes = Array.from({ length: 5 }, () => new Promise((resolve) => spawn('true').on('exit', resolve)));
    assert.deepEqual((await Promise.all(mine.map((c) => c.exited))).map((e) => e.code), Array.from({ length: 20 }, (_, i) => i));
    assert.deepEqual(await Promise.all(nodes), [0, 0, 0, 0, 0]);
  });
});
