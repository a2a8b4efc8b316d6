// The real docker CLI (28.x) reading tugd's events: replayed windows, filters, templates and a
// live stream, printed exactly as `tug events` prints them.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DOCKER, TestDaemon } from '../helpers/daemon.js';

const apiNow = () => (Date.now() / 1000).toFixed(3);

describe('docker events against tugd', { skip: !existsSync(DOCKER) && 'no docker CLI' }, () => {
  let d: TestDaemon;
  let busyboxID: string;
  before(async () => {
    d = await TestDaemon.start();
    const r = await d.tug(['bootstrap', 'busybox']);
    assert.equal(r.code, 0, r.stderr);
    busyboxID = r.stdout.trim();
  });
  after(async () => { await d.cleanup(); });

  it('docker events --since … --until … --filter type=image prints what tug events prints', async () => {
    const since = apiNow();
    assert.equal((await d.docker(['tag', 'busybox', 'dev/compat:1'])).code, 0);
    assert.equal((await d.docker(['rmi', 'dev/compat:1'])).code, 0);
    const until = apiNow();
    const args = ['events', '--since', since, '--until', until, '--filter', 'type=image'];
    const docker = await d.docker(args);
    assert.equal(docker.code, 0, docker.stderr);
    const lines = docker.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 2, docker.stdout);
    assert.match(lines[0]!, new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{9}(Z|[+-]\\d\\d:\\d\\d) image tag ${busyboxID} \\(name=dev/compat:1\\)$`));
    assert.match(lines[1]!, new RegExp(` image untag ${busyboxID} \\(name=${busyboxID}\\)$`));
    assert.equal((await d.tug(args)).stdout, docker.stdout);

    for (const format of ['{{json .}}', '{{.ID}} {{.Status}} {{.From}} {{.Actor.Attributes}} {{.TimeNano}} {{.Time}} {{.Scope}}']) {
      const withFormat = [...args, '--filter', 'event=tag', '--format', format];
      const out = await d.docker(withFormat);
      assert.equal(out.code, 0, out.stderr);
      assert.equal(out.stdout.split('\n').length, 2, out.stdout);
      assert.equal((await d.tug(withFormat)).stdout, out.stdout);
    }
  });

  it('docker events reads durations and dates for --since', async () => {
    const since = apiNow();
    assert.equal((await d.docker(['tag', 'busybox', 'dev/since:1'])).code, 0);
    assert.equal((await d.docker(['rmi', 'dev/since:1'])).code, 0);
    // `0s` would be now in whole seconds, maybe before the tag: end the window explicitly.
    const until = apiNow();
    const day = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    for (const s of ['10m', day, since]) {
      const r = await d.docker(['events', '--since', s, '--until', until, '--filter', 'image=dev/since', '--format', '{{.Action}}']);
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, 'tag\n', `--since ${s}`);
    }
  });

  it('docker events streams live events until interrupted', async () => {
    // `--since` replays whatever lands before the subscription exists: no race with the tag below.
    const child = spawn(DOCKER, ['events', '--since', apiNow(), '--filter', 'type=image', '--filter', 'event=tag', '--format', '{{.Action}} {{.Actor.Attributes.name}}'], {
      env: d.env({ DOCKER_CONFIG: join(d.dir, 'docker-config') }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const got = new Promise<void>((resolve) => child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes('\n')) resolve();
    }));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      assert.equal((await d.docker(['tag', 'busybox', 'dev/live:1'])).code, 0);
      await Promise.race([got, new Promise((_, reject) => setTimeout(() => reject(new Error(`no live event: ${out}`)), 10_000))]);
      assert.equal(out, 'tag dev/live:1\n');
    } finally {
      child.kill('SIGTERM');
      await exited;
      assert.equal((await d.docker(['rmi', 'dev/live:1'])).code, 0);
    }
  });
});
