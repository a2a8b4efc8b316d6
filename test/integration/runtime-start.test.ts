// The runtime's paths without a runc process: the start (tugd reads the byte the container's init
// writes into runc's exec FIFO), the delete of an exited container (cgroups and state removed by
// tugd). Real conmon and runc on a busybox rootfs; no tugd.
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createContainer, type MonitorPaths } from '../../src/runtime/conmon.js';
import { Runtime } from '../../src/runtime/runc.js';
import { buildSpec, serializeSpec } from '../../src/runtime/spec/index.js';
import { specInput } from '../unit/spec-fixture.js';

let dir: string;
let runtime: Runtime;
const ids: string[] = [];

before(() => {
  dir = mkdtempSync('/tmp/tug-rtstart-');
  const rootfs = join(dir, 'rootfs');
  for (const d of ['bin', 'proc', 'sys', 'dev', 'tmp', 'etc']) mkdirSync(join(rootfs, d), { recursive: true });
  copyFileSync('/bin/busybox', join(rootfs, 'bin', 'busybox'));
  for (const tool of ['sh', 'sleep', 'true']) symlinkSync('busybox', join(rootfs, 'bin', tool));
  for (const f of ['hosts', 'hostname', 'resolv.conf']) writeFileSync(join(dir, f), '');
  runtime = new Runtime('/usr/sbin/runc', join(dir, 'runc'));
});

after(async () => {
  for (const id of ids) await runtime.delete(id, true).catch(() => undefined);
  // The parent cgroup runc made in every hierarchy.
  for (const h of readdirSync('/sys/fs/cgroup')) {
    const cg = join('/sys/fs/cgroup', h, 'tug-rtstart');
    if (existsSync(cg)) rmdirSync(cg);
  }
  rmSync(dir, { recursive: true, force: true });
});

/** A container created under conmon and stopped before its process runs; returns its init PID. */
async function created(id: string, args: string[]): Promise<number> {
  ids.push(id);
  const bundle = join(dir, id);
  mkdirSync(bundle);
  const spec = buildSpec(specInput({
    id, rootfs: join(dir, 'rootfs'), args, hostname: id, cgroupsPath: `/tug-rtstart/${id}`, network: { mode: 'none' },
    hostsFile: join(dir, 'hosts'), hostnameFile: join(dir, 'hostname'), resolvConfFile: join(dir, 'resolv.conf'),
  }));
  writeFileSync(join(bundle, 'config.json'), serializeSpec(spec));
  const paths: MonitorPaths = { bundle, logPath: join(bundle, 'log'), exitDir: dir, socketDir: join(dir, 's') };
  mkdirSync(paths.socketDir, { recursive: true });
  return createContainer({ id, name: id, paths, runtime, tty: false, stdin: false, leaveStdinOpen: false, logSizeMax: 1 << 20 });
}

describe('runtime start through the exec FIFO', () => {
  it('runs the process, leaves runc seeing it running, and a second start is refused by runc', async () => {
    const id = 'rtstart-run';
    const pid = await created(id, ['sleep', '30']);
    assert.equal((await runtime.state(id))?.status, 'created');
    await runtime.start(id, pid);
    assert.equal(existsSync(join(dir, 'runc', id, 'exec.fifo')), false);
    assert.equal((await runtime.state(id))?.status, 'running');
    await assert.rejects(runtime.start(id, pid), /cannot start/);
  });

  it('a container whose init died before the start fails it with a clear error', async () => {
    const id = 'rtstart-dead';
    const pid = await created(id, ['true']);
    process.kill(pid, 'SIGKILL');
    await assert.rejects(runtime.start(id, pid), /container process is already dead|cannot start/);
  });

  it('a process that ends at once is started, not taken for one that died first (30 in a row)', async () => {
    // The init writes its byte and runs `true` to its end between two reads: a race once lost under load.
    for (let i = 0; i < 30; i++) {
      const id = `rtstart-quick-${i}`;
      await runtime.start(id, await created(id, ['true']));
    }
  });

  it('finishStart starts a container a crash left created, and leaves a running one alone', async () => {
    const id = 'rtstart-finish';
    const pid = await created(id, ['sleep', '30']);
    await runtime.finishStart(id, pid);
    assert.equal((await runtime.state(id))?.status, 'running');
    await runtime.finishStart(id, pid);
    assert.equal((await runtime.state(id))?.status, 'running');
  });
});

/** The container's cgroup directories, one per hierarchy runc used. */
function cgroupDirs(id: string): string[] {
  return readdirSync('/sys/fs/cgroup').map((h) => join('/sys/fs/cgroup', h, 'tug-rtstart', id)).filter((d) => existsSync(d));
}

async function exited(id: string): Promise<void> {
  for (let i = 0; i < 500 && !existsSync(join(dir, id)); i++) await new Promise((r) => setTimeout(r, 10));
  assert.ok(existsSync(join(dir, id)), 'conmon wrote no exit file');
}

describe('runtime delete of an exited container without runc', () => {
  it('removes the cgroups and the state, and runc no longer knows the container', async () => {
    const id = 'rtdel-exited';
    const pid = await created(id, ['true']);
    await runtime.start(id, pid);
    await exited(id);
    assert.ok(cgroupDirs(id).length > 0);
    await runtime.deleteExited(id);
    assert.deepEqual(cgroupDirs(id), []);
    assert.equal(existsSync(join(dir, 'runc', id)), false);
    assert.equal(await runtime.state(id), undefined);
  });

  it('a container still running goes through runc delete --force', async () => {
    const id = 'rtdel-running';
    const pid = await created(id, ['sleep', '30']);
    await runtime.start(id, pid);
    await runtime.deleteExited(id);
    assert.equal(await runtime.state(id), undefined);
    assert.deepEqual(cgroupDirs(id), []);
    await exited(id);
  });

  it('an unknown container is nothing to delete', async () => {
    await runtime.deleteExited('rtdel-never');
  });
});
