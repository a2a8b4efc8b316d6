// What the fast paths of exit and removal must still leave behind: nothing. The runtime is asked
// to delete a container once per exit (remove trusts that), an --rm container's record is not
// rewritten before it is deleted (a crash in that gap still ends with the container gone), and
// its overlay is volatile.
import assert from 'node:assert/strict';
import { existsSync, lstatSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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

async function create(body: object): Promise<string> {
  const r = await d.api('POST', '/containers/create', { Image: 'busybox', ...body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return (r.body as { Id: string }).Id;
}

/** conmon processes (not yet dead) for the container. */
function livingMonitors(id: string): string[] {
  return readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      return cmd.startsWith('/usr/bin/conmon') && cmd.includes(id) && !/\) [ZX] /.test(readFileSync(`/proc/${p}/stat`, 'utf8'));
    } catch {
      return false;
    }
  });
}

/** Every trace of a container on the host: runc state, cgroup, overlay mount, record, bundle, monitor. */
function traces(id: string): string[] {
  const found: string[] = [];
  if (existsSync(join(d.execRoot, 'runc', id))) found.push('runc state');
  if (existsSync(`/sys/fs/cgroup/pids/tug/${id}`) || existsSync(`/sys/fs/cgroup/tug/${id}`)) found.push('cgroup');
  if (readFileSync('/proc/self/mountinfo', 'utf8').includes(id)) found.push('mount');
  if (existsSync(join(d.dataRoot, 'containers', id))) found.push('record');
  if (existsSync(join(d.execRoot, 'containers', id))) found.push('bundle');
  if (existsSync(join(d.execRoot, 'exits', id))) found.push('exit file');
  if (livingMonitors(id).length) found.push('monitor');
  // conmon's link to the bundle (lstat: once the bundle has gone it points nowhere).
  if (lstatSync(join(d.execRoot, 's', id.slice(0, 16)), { throwIfNoEntry: false })) found.push('attach link');
  return found;
}

describe('exit and removal leave nothing behind', () => {
  it('run --rm: the exit code comes back and every trace is gone', async () => {
    const r = await d.tug(['run', '--rm', '--name', 'gone', 'busybox', 'sh', '-c', 'echo bye; exit 3']);
    assert.deepEqual([r.code, r.stdout], [3, 'bye\n']);
    assert.equal((await d.api('GET', '/containers/gone/json')).status, 404);
    const left = readdirSync(join(d.dataRoot, 'containers'));
    assert.deepEqual(left, []);
    assert.deepEqual(readdirSync(join(d.execRoot, 'runc')), []);
    assert.deepEqual(readdirSync(join(d.execRoot, 's')), []);
  });

  it('an exited container keeps its record with the code; rm then removes runtime state, cgroup and mount', async () => {
    const id = await create({ Cmd: ['sh', '-c', 'exit 5'] });
    const waited = d.api('POST', `/containers/${id}/wait?condition=next-exit`);
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
    assert.deepEqual((await waited).body, { StatusCode: 5 });
    const rec = JSON.parse(readFileSync(join(d.dataRoot, 'containers', id, 'config.v2.json'), 'utf8')) as { State: { Status: string; ExitCode: number } };
    assert.deepEqual([rec.State.Status, rec.State.ExitCode], ['exited', 5]);
    // The bundle (config.json) and conmon's link to it stay until rm, as before; the runtime state and cgroup do not.
    assert.deepEqual(traces(id), ['record', 'bundle', 'attach link']);
    assert.equal((await d.api('DELETE', `/containers/${id}`)).status, 204);
    assert.deepEqual(traces(id), []);
  });

  it('started again after an exit, it runs and is cleaned up again', async () => {
    const id = await create({ Cmd: ['sh', '-c', 'sleep 0.2; exit 6'] });
    for (let i = 0; i < 2; i++) {
      const waited = d.api('POST', `/containers/${id}/wait?condition=next-exit`);
      assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
      assert.ok(traces(id).includes('runc state'), 'running: the runtime knows it');
      assert.deepEqual((await waited).body, { StatusCode: 6 });
    }
    assert.equal((await d.api('DELETE', `/containers/${id}`)).status, 204);
    assert.deepEqual(traces(id), []);
  });

  it('rm -f of running containers kills them and removes everything, the monitor included, before it returns', async () => {
    for (let i = 0; i < 5; i++) {
      const id = await create({ Cmd: ['sleep', '1000'] });
      assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
      assert.equal(livingMonitors(id).length, 1);
      assert.equal((await d.api('DELETE', `/containers/${id}?force=1`)).status, 204);
      assert.deepEqual(traces(id), []);
    }
  });
});

describe('overlay mount options', () => {
  /** The super options of the container's rootfs mount, from the host's mountinfo. */
  function mountOptions(id: string): string {
    // The overlay, not the container's netns bound under the exec root.
    const line = readFileSync('/proc/self/mountinfo', 'utf8').split('\n').find((l) => l.split(' ')[4]?.includes(id) && l.includes(' - overlay '));
    assert.ok(line, `${id} is mounted`);
    return line.split(' - ')[1]!;
  }

  it('an --rm container gets a volatile overlay (no syncfs of the host disk at its unmount), others do not', async () => {
    const rm = await create({ Cmd: ['sleep', '1000'], HostConfig: { AutoRemove: true } });
    const kept = await create({ Cmd: ['sleep', '1000'] });
    for (const id of [rm, kept]) assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
    // Shown as `volatile` or, on newer kernels, `fsync=volatile`.
    assert.match(mountOptions(rm), /\bvolatile\b/);
    assert.doesNotMatch(mountOptions(kept), /volatile/);
    for (const id of [rm, kept]) assert.equal((await d.api('DELETE', `/containers/${id}?force=1`)).status, 204);
    assert.deepEqual([traces(rm), traces(kept)], [[], []]);
  });

  it('what an --rm container writes is there while it runs', async () => {
    const r = await d.tug(['run', '--rm', 'busybox', 'sh', '-c', 'echo data > /f; sync; cat /f']);
    assert.deepEqual([r.code, r.stdout], [0, 'data\n']);
  });
});

describe('--rm across a tugd crash', () => {
  it('an --rm container that exits while tugd is down is removed when it comes back', async () => {
    const id = await create({ Cmd: ['sh', '-c', 'sleep 0.5; exit 7'], HostConfig: { AutoRemove: true } });
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
    await d.kill9();
    await new Promise((r) => setTimeout(r, 1000));
    await d.startProcess();
    const deadline = Date.now() + 5000;
    while ((await d.api('GET', `/containers/${id}/json`)).status !== 404 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal((await d.api('GET', `/containers/${id}/json`)).status, 404);
    assert.deepEqual(traces(id), []);
  });
});

describe('a removal cut short by a crash', () => {
  it('runtime state, bundle and rootfs whose record is gone are cleared at the next start', async () => {
    const id = await create({ Cmd: ['sleep', '1000'] });
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
    await d.kill9();
    // As a removal leaves it between dropping the record and the runtime's delete.
    rmSync(join(d.dataRoot, 'containers', id, 'config.v2.json'));
    assert.ok(traces(id).includes('runc state'));
    await d.startProcess();
    assert.equal((await d.api('GET', `/containers/${id}/json`)).status, 404);
    // The monitor sees its container killed and leaves shortly after.
    const deadline = Date.now() + 5000;
    while (traces(id).length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(traces(id), []);
  });
});

describe('a start cut short by a crash', () => {
  it('a running container whose record was not yet written as running is undone at the next start, and starts again', async () => {
    const id = await create({ Cmd: ['sleep', '1000'] });
    const file = join(d.dataRoot, 'containers', id, 'config.v2.json');
    const before = readFileSync(file, 'utf8');
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
    await d.kill9();
    // The record as it was before the start: the crash fell before its write.
    writeFileSync(file, before);
    await d.startProcess();
    const state = ((await d.api('GET', `/containers/${id}/json`)).body as { State: { Running: boolean } }).State;
    assert.equal(state.Running, false);
    assert.deepEqual(traces(id).filter((t) => t !== 'record' && t !== 'bundle' && t !== 'attach link'), []);
    assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
    assert.equal(livingMonitors(id).length, 1);
    assert.equal((await d.api('DELETE', `/containers/${id}?force=1`)).status, 204);
    assert.deepEqual(traces(id), []);
  });
});
