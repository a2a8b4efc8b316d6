// The real docker CLI on tugd's log rotation: --log-opt as docker sends it, LogConfig in
// docker inspect, docker logs (and -f) across rotated files, plain and compressed, log attributes
// (labels, env, tag) with docker logs --details, and docker's errors.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;

before(async () => {
  d = await TestDaemon.start();
  assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
});

after(async () => {
  await d.cleanup();
});

const LINES = 6000;
// Once /go exists: 12 bursts of 500 lines (~43 kB each, 520 kB in all) a moment apart, so rotations fall between them.
const WRITER = `while [ ! -e /go ]; do sleep 0.05; done; i=0; while [ $i -lt 12 ]; do j=0; while [ $j -lt 500 ]; do echo "n=$((i*500+j)) padding-padding-padding-padding"; j=$((j+1)); done; i=$((i+1)); sleep 0.3; done`;

/** Starts WRITER's output with `docker logs -f` already following: it must see every line, in order. */
async function followsEveryLine(id: string): Promise<void> {
  // The follower is in place well before the first rotation drops anything.
  const following = d.docker(['logs', '-f', id]);
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await d.docker(['exec', id, 'touch', '/go'])).code, 0);
  const followed = await following;
  assert.equal(followed.code, 0, followed.stderr);
  const numbers = followed.stdout.split('\n').filter(Boolean).map((l) => Number(/^n=(\d+) /.exec(l)?.[1]));
  assert.equal(numbers.length, LINES);
  assert.ok(numbers.every((n, i) => n === i), 'lines out of order or lost');
}

describe('docker logs with rotation against tugd', () => {
  it('docker run --log-opt rotates; docker logs -f sees every line, docker logs the kept end', async () => {
    const id = (await d.docker(['run', '-d', '--label', 'tug.test=docker-logs', '--log-opt', 'max-size=80k', '--log-opt', 'max-file=2', 'busybox', 'sh', '-c', WRITER])).stdout.trim();
    assert.match(id, /^[0-9a-f]{64}$/);
    await followsEveryLine(id);
    const kept = (await d.docker(['logs', id])).stdout.split('\n').filter(Boolean);
    // Two files of about 80 kB: far fewer lines than were written, and the last ones.
    assert.ok(kept.length > 500 && kept.length < 3000, `kept ${kept.length} lines`);
    assert.match(kept.at(-1)!, new RegExp(`^n=${LINES - 1} `));
    assert.equal((await d.docker(['inspect', '-f', '{{json .HostConfig.LogConfig}}', id])).stdout, '{"Type":"json-file","Config":{"max-file":"2","max-size":"80k"}}\n');
    await d.docker(['rm', id]);
  });

  it('docker run --log-opt compress=true gzips each rotated file; docker logs -f, --tail and the whole log read through them', async () => {
    const id = (await d.docker(['run', '-d', '--label', 'tug.test=docker-logs', '--log-opt', 'max-size=40k', '--log-opt', 'max-file=4', '--log-opt', 'compress=true', 'busybox', 'sh', '-c', WRITER])).stdout.trim();
    await followsEveryLine(id);
    const path = (await d.docker(['inspect', '-f', '{{.LogPath}}', id])).stdout.trim();
    const rotated = readdirSync(dirname(path)).filter((n) => n.startsWith(`${basename(path)}.`)).sort();
    assert.deepEqual(rotated, [1, 2, 3].map((i) => `${basename(path)}.${i}.gz`));
    // Three compressed files of ~40 kB and the live one, read whole: the last lines written, in order.
    const kept = (await d.docker(['logs', id])).stdout.split('\n').filter(Boolean).map((l) => Number(/^n=(\d+) /.exec(l)?.[1]));
    assert.ok(kept.length > 1000 && kept.length < 3000, `kept ${kept.length} lines`);
    assert.ok(kept.every((n, i) => n === LINES - kept.length + i), 'kept lines are not the last ones in order');
    assert.equal((await d.docker(['logs', '--tail', String(kept.length - 1), id])).stdout.split('\n').filter(Boolean).length, kept.length - 1);
    await d.docker(['rm', id]);
  });

  it('docker logs on --log-driver none, and bad options, fail as with dockerd', async () => {
    const r = await d.docker(['run', '--name', 'silent', '--log-driver', 'none', 'busybox', 'echo', 'shown']);
    assert.equal(r.stdout, 'shown\n');
    const logs = await d.docker(['logs', 'silent']);
    assert.equal(logs.code, 1);
    assert.equal(logs.stderr.trim(), 'Error response from daemon: configured logging driver does not support reading');
    await d.docker(['rm', 'silent']);
    const bad = await d.docker(['run', '--rm', '--log-opt', 'max-size=lots', 'busybox', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^docker: Error response from daemon: invalid size: 'lots'/);
    const one = await d.docker(['run', '--rm', '--log-opt', 'compress=true', '--log-opt', 'max-file=1', 'busybox', 'true']);
    assert.equal(one.code, 125);
    assert.match(one.stderr, /^docker: Error response from daemon: compress cannot be true when max-file is less than 2 or max-size is not set\n/);
  });

  it('docker run --log-opt labels/env/tag puts attrs in every entry; docker logs --details shows them', async () => {
    const run = await d.docker(['run', '--name', 'attrs', '-l', 'app=web', '-e', 'MODE=prod', '--log-opt', 'labels=app', '--log-opt', 'env=MODE',
      '--log-opt', 'tag={{.Name}}/{{.ImageName}}', 'busybox', 'sh', '-c', 'echo out; echo err >&2']);
    assert.equal(run.code, 0, run.stderr);
    const id = (await d.docker(['inspect', '-f', '{{.Id}}', 'attrs'])).stdout.trim();
    const path = (await d.docker(['inspect', '-f', '{{.LogPath}}', 'attrs'])).stdout.trim();
    const entries = readFileSync(path, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { attrs?: unknown });
    assert.deepEqual(entries.map((e) => e.attrs), [{ MODE: 'prod', app: 'web', tag: 'attrs/busybox' }, { MODE: 'prod', app: 'web', tag: 'attrs/busybox' }]);
    const details = await d.docker(['logs', '--details', 'attrs']);
    assert.equal(details.stdout, 'MODE=prod,app=web,tag=attrs%2Fbusybox out\n');
    assert.equal(details.stderr, 'MODE=prod,app=web,tag=attrs%2Fbusybox err\n');
    // Without attributes --details still puts the separating space first, as dockerd does.
    await d.docker(['run', '--name', 'plain', 'busybox', 'echo', 'hi']);
    assert.equal((await d.docker(['logs', '--details', 'plain'])).stdout, ' hi\n');
    assert.equal((await d.tug(['logs', '--details', 'attrs'])).stdout, 'MODE=prod,app=web,tag=attrs%2Fbusybox out\n');
    const bad = await d.docker(['run', '--rm', '--log-opt', 'labels-regex=(', 'busybox', 'true']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^docker: Error response from daemon: invalid log opt 'labels-regex': error parsing regexp: /);
    await d.docker(['rm', id, 'plain']);
  });
});
