// Real containers through the Engine API: lifecycle, exit codes, isolation and resource flags,
// restart policies, and dockerd's errors for bad requests.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;

interface Created {
  Id: string;
}

async function create(body: object, name?: string): Promise<string> {
  const r = await d.api('POST', `/containers/create${name ? `?name=${name}` : ''}`, { Image: 'busybox', ...body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  return (r.body as Created).Id;
}

async function inspect(id: string): Promise<{ State: Record<string, unknown>; RestartCount: number; Name: string; Config: Record<string, unknown>; HostConfig: Record<string, unknown> }> {
  const r = await d.api('GET', `/containers/${id}/json`);
  assert.equal(r.status, 200);
  return r.body as never;
}

/** create + start + wait: the exit code and the container's log lines. */
async function run(body: object, hostConfig: object = {}): Promise<{ id: string; code: number; log: string }> {
  const id = await create({ ...body, HostConfig: hostConfig });
  const waited = d.api('POST', `/containers/${id}/wait?condition=next-exit`);
  const s = await d.api('POST', `/containers/${id}/start`);
  assert.equal(s.status, 204, JSON.stringify(s.body));
  const w = await waited;
  const info = await d.api('GET', `/containers/${id}/json`);
  const logPath = (info.body as { LogPath: string }).LogPath;
  const log = existsSync(logPath) ? readFileSync(logPath, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { log: string }).log.replace(/\n$/, '')).join('\n') : '';
  return { id, code: (w.body as { StatusCode: number }).StatusCode, log };
}

const sh = (script: string) => ({ Cmd: ['sh', '-c', script] });

before(async () => {
  d = await TestDaemon.start();
  const r = await d.tug(['bootstrap', 'busybox']);
  assert.equal(r.code, 0, r.stderr);
});

after(async () => {
  await d.cleanup();
});

describe('lifecycle', () => {
  it('runs a command and reports its exit code, stdout and stderr', async () => {
    const r = await run(sh('echo out; echo err >&2; exit 7'));
    assert.equal(r.code, 7);
    assert.equal(r.log, 'out\nerr');
    const info = await inspect(r.id);
    assert.equal(info.State.Status, 'exited');
    assert.equal(info.State.ExitCode, 7);
    assert.ok(Date.parse(info.State.FinishedAt as string) >= Date.parse(info.State.StartedAt as string));
  });

  it('merges the image config: Cmd, Env, hostname', async () => {
    const r = await run(sh('echo $HOSTNAME; echo $FOO; cat /etc/hostname'), {});
    const info = await inspect(r.id);
    const host = r.id.slice(0, 12);
    assert.equal(r.log, `${host}\n\n${host}`);
    assert.equal(info.Config.Hostname, host);
    const env = await run({ ...sh('echo $FOO'), Env: ['FOO=bar'] });
    assert.equal(env.log, 'bar');
  });

  it('stop sends SIGTERM, then SIGKILL after the timeout (137)', async () => {
    const id = await create(sh('sleep 100'));
    await d.api('POST', `/containers/${id}/start`);
    const stop = await d.api('POST', `/containers/${id}/stop?t=1`);
    assert.equal(stop.status, 204);
    const info = await inspect(id);
    assert.equal(info.State.ExitCode, 137);
    assert.equal((await d.api('POST', `/containers/${id}/stop`)).status, 304);
  });

  it('a process that handles SIGTERM exits with its own code on stop', async () => {
    const id = await create(sh("trap 'exit 3' TERM; while true; do sleep 0.1; done"));
    await d.api('POST', `/containers/${id}/start`);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await d.api('POST', `/containers/${id}/stop?t=10`)).status, 204);
    assert.equal((await inspect(id)).State.ExitCode, 3);
  });

  it('kill sends the named signal; a stopped container cannot be killed', async () => {
    const id = await create(sh("trap 'exit 12' USR1; while true; do sleep 0.1; done"));
    await d.api('POST', `/containers/${id}/start`);
    await new Promise((r) => setTimeout(r, 300));
    const waited = d.api('POST', `/containers/${id}/wait`);
    assert.equal((await d.api('POST', `/containers/${id}/kill?signal=USR1`)).status, 204);
    assert.deepEqual((await waited).body, { StatusCode: 12 });
    const again = await d.api('POST', `/containers/${id}/kill`);
    assert.equal(again.status, 409);
    assert.match((again.body as { message: string }).message, /is not running/);
  });

  it('pause freezes the processes and unpause resumes them', async () => {
    const id = await create(sh('i=0; while true; do i=$((i+1)); echo $i > /tmp/n; sleep 0.05; done'));
    await d.api('POST', `/containers/${id}/start`);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await d.api('POST', `/containers/${id}/pause`)).status, 204);
    assert.equal((await inspect(id)).State.Status, 'paused');
    const merged = ((await d.api('GET', `/containers/${id}/json`)).body as { GraphDriver: { Data: { MergedDir: string } } }).GraphDriver.Data.MergedDir;
    const a = readFileSync(`${merged}/tmp/n`, 'utf8');
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(readFileSync(`${merged}/tmp/n`, 'utf8'), a);
    const refused = await d.api('DELETE', `/containers/${id}`);
    assert.equal(refused.status, 409);
    assert.equal((refused.body as { message: string }).message, `cannot remove container "${id}": container is paused and must be unpaused first`);
    assert.equal((await d.api('POST', `/containers/${id}/unpause`)).status, 204);
    await new Promise((r) => setTimeout(r, 400));
    assert.notEqual(readFileSync(`${merged}/tmp/n`, 'utf8'), a);
    assert.equal((await d.api('DELETE', `/containers/${id}?force=1`)).status, 204);
  });

  it('remove refuses a running container without force and cleans everything with it', async () => {
    const id = await create(sh('sleep 100'), 'rmme');
    await d.api('POST', `/containers/${id}/start`);
    const refused = await d.api('DELETE', '/containers/rmme');
    assert.equal(refused.status, 409);
    assert.match((refused.body as { message: string }).message, /^cannot remove container "rmme": container is running: stop the container before removing or force remove$/);
    assert.equal((await d.api('DELETE', '/containers/rmme?force=1')).status, 204);
    assert.equal((await d.api('GET', `/containers/${id}/json`)).status, 404);
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(id), 'rootfs unmounted');
    assert.ok(!existsSync(`/sys/fs/cgroup/memory/tug/${id}`), 'cgroup removed');
  });

  it('AutoRemove removes the container after it exits; wait removed returns its code', async () => {
    const id = await create({ ...sh('exit 4'), HostConfig: { AutoRemove: true } });
    const waited = d.api('POST', `/containers/${id}/wait?condition=removed`);
    await d.api('POST', `/containers/${id}/start`);
    assert.deepEqual((await waited).body, { StatusCode: 4 });
    assert.equal((await d.api('GET', `/containers/${id}/json`)).status, 404);
  });

  it('rename moves the name; names conflict with dockerd\'s text', async () => {
    await create(sh('true'), 'first');
    const dup = await d.api('POST', '/containers/create?name=first', { Image: 'busybox', Cmd: ['true'] });
    assert.equal(dup.status, 409);
    assert.match((dup.body as { message: string }).message, /^Conflict\. The container name "\/first" is already in use by container "[0-9a-f]{64}"\. You have to remove \(or rename\) that container to be able to reuse that name\.$/);
    assert.equal((await d.api('POST', '/containers/first/rename?name=second')).status, 204);
    assert.equal((await inspect('second')).Name, '/second');
    assert.equal((await d.api('GET', '/containers/first/json')).status, 404);
  });
});

describe('bad requests', () => {
  it('an unknown image is 404 No such image', async () => {
    const r = await d.api('POST', '/containers/create', { Image: 'nope', Cmd: ['true'] });
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { message: 'No such image: nope' });
  });

  it('an invalid name is 400', async () => {
    const r = await d.api('POST', '/containers/create?name=-bad', { Image: 'busybox', Cmd: ['true'] });
    assert.equal(r.status, 400);
    assert.equal((r.body as { message: string }).message, 'Invalid container name (-bad), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed');
  });

  it('a missing command fails start with 400 and exit code 127', async () => {
    const id = await create({ Cmd: ['/no/such/thing'] });
    const r = await d.api('POST', `/containers/${id}/start`);
    assert.equal(r.status, 400);
    assert.match((r.body as { message: string }).message, /no such file or directory/);
    assert.equal((await inspect(id)).State.ExitCode, 127);
  });

  it('a non-executable command is exit code 126', async () => {
    const id = await create({ Cmd: ['/etc/passwd'] });
    const r = await d.api('POST', `/containers/${id}/start`);
    assert.equal(r.status, 400);
    assert.equal((await inspect(id)).State.ExitCode, 126);
  });

  it('a bad restart policy and a malformed body are 400', async () => {
    const r = await d.api('POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { RestartPolicy: { Name: 'sometimes' } } });
    assert.equal(r.status, 400);
    assert.match((r.body as { message: string }).message, /invalid restart policy/);
    const bad = await d.api('POST', '/containers/create', '{"Image": ');
    assert.equal(bad.status, 400);
  });

  it('unknown containers are 404 No such container', async () => {
    const r = await d.api('POST', '/containers/ghost/start');
    assert.equal(r.status, 404);
    assert.deepEqual(r.body, { message: 'No such container: ghost' });
  });
});

describe('isolation and resources', () => {
  it('a 32m memory limit kills a 64 MB allocation: 137 and OOMKilled', async () => {
    const r = await run(sh('dd if=/dev/zero of=/dev/null bs=64M count=1'), { Memory: 32 << 20, MemorySwap: 32 << 20 });
    assert.equal(r.code, 137);
    assert.equal((await inspect(r.id)).State.OOMKilled, true);
  });

  it('--pids-limit 10 stops a fork bomb', async () => {
    const r = await run(sh('for i in $(seq 30); do sleep 2 & done; echo started'), { PidsLimit: 10 });
    assert.match(r.log, /can't fork: Resource temporarily unavailable/);
    assert.doesNotMatch(r.log, /started/);
  });

  it('--read-only refuses writes to the rootfs', async () => {
    const r = await run(sh('touch /x'), { ReadonlyRootfs: true });
    assert.equal(r.code, 1);
    assert.match(r.log, /Read-only file system/);
  });

  it('--cap-drop ALL refuses chown', async () => {
    const r = await run(sh('chown 1 /etc/passwd'), { CapDrop: ['ALL'] });
    assert.equal(r.code, 1);
    assert.match(r.log, /Operation not permitted/);
    const ok = await run(sh('chown 1 /etc/passwd'));
    assert.equal(ok.code, 0);
  });

  it('masks /proc/timer_list, has its own pid namespace and lo plus the bridge\'s eth0 in its network namespace', async () => {
    const r = await run(sh('echo $$; ls /sys/class/net; wc -c < /proc/timer_list'));
    const [pid, ...rest] = r.log.split('\n');
    assert.equal(pid, '1');
    assert.deepEqual(rest.slice(0, -1), ['eth0', 'lo']);
    assert.equal(rest.at(-1)?.trim(), '0');
  });

  it('--network host sees the host interfaces; none has only lo', async () => {
    const host = await run(sh('ls /sys/class/net'), { NetworkMode: 'host' });
    assert.ok(host.log.split('\n').length > 1);
    const none = await run(sh('ls /sys/class/net'), { NetworkMode: 'none' });
    assert.equal(none.log, 'lo');
  });

  it('ulimits above the host hard limit are capped, not fatal', async () => {
    const r = await run(sh('ulimit -n'), { Ulimits: [{ Name: 'nofile', Soft: 1 << 30, Hard: 1 << 30 }] });
    assert.equal(r.code, 0);
    assert.ok(Number(r.log) <= Number(readFileSync('/proc/self/limits', 'utf8').match(/Max open files\s+\d+\s+(\d+)/)?.[1]));
  });
});

describe('restart policies', () => {
  it('on-failure:2 restarts exactly twice', async () => {
    const id = await create({ ...sh('exit 1'), HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 2 } } });
    await d.api('POST', `/containers/${id}/start`);
    const deadline = Date.now() + 10_000;
    let info = await inspect(id);
    while (Date.now() < deadline && (info.RestartCount < 2 || info.State.Running || info.State.Restarting)) {
      await new Promise((r) => setTimeout(r, 100));
      info = await inspect(id);
    }
    assert.equal(info.RestartCount, 2);
    await new Promise((r) => setTimeout(r, 1000));
    info = await inspect(id);
    assert.equal(info.RestartCount, 2);
    assert.equal(info.State.Running, false);
    assert.equal(info.State.ExitCode, 1);
  });

  it('a manual stop keeps an always container down', async () => {
    const id = await create({ ...sh('sleep 100'), HostConfig: { RestartPolicy: { Name: 'always' } } });
    await d.api('POST', `/containers/${id}/start`);
    await d.api('POST', `/containers/${id}/stop?t=0`);
    await new Promise((r) => setTimeout(r, 500));
    assert.equal((await inspect(id)).State.Running, false);
  });
});

describe('health checks', () => {
  const poll = async (id: string, want: string) => {
    const deadline = Date.now() + 8000;
    let h = (await inspect(id)).State.Health as { Status: string; FailingStreak: number; Log: { ExitCode: number; Output: string }[] } | undefined;
    while (h?.Status !== want && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      h = (await inspect(id)).State.Health as typeof h;
    }
    return h;
  };

  it('goes starting → healthy, with the probe output in the log, and filters by health', async () => {
    const id = await create({ ...sh('touch /ready; sleep 100'), Healthcheck: { Test: ['CMD-SHELL', 'cat /ready && echo ok'], Interval: 200e6, Retries: 2 } });
    await d.api('POST', `/containers/${id}/start`);
    assert.equal(((await inspect(id)).State.Health as { Status: string }).Status, 'starting');
    const h = await poll(id, 'healthy');
    assert.equal(h?.Status, 'healthy');
    assert.equal(h?.Log.at(-1)?.ExitCode, 0);
    assert.equal(h?.Log.at(-1)?.Output, 'ok\n');
    const list = (await d.api('GET', `/containers/json?filters=${encodeURIComponent(JSON.stringify({ health: ['healthy'] }))}`)).body as { Id: string; Status: string }[];
    assert.ok(list.some((c) => c.Id === id && /\(healthy\)$/.test(c.Status)));
    await d.api('DELETE', `/containers/${id}?force=1`);
  });

  it('turns unhealthy after `retries` failures in a row', async () => {
    const id = await create({ ...sh('sleep 100'), Healthcheck: { Test: ['CMD', 'false'], Interval: 100e6, Retries: 3 } });
    await d.api('POST', `/containers/${id}/start`);
    const h = await poll(id, 'unhealthy');
    assert.equal(h?.Status, 'unhealthy');
    assert.ok((h?.FailingStreak ?? 0) >= 3);
    await d.api('DELETE', `/containers/${id}?force=1`);
  });

  it('NONE disables the image healthcheck', async () => {
    const id = await create({ ...sh('sleep 100'), Healthcheck: { Test: ['NONE'] } });
    await d.api('POST', `/containers/${id}/start`);
    assert.equal((await inspect(id)).State.Health, undefined);
    await d.api('DELETE', `/containers/${id}?force=1`);
  });
});

describe('init, devices, tmpfs, user, workdir', () => {
  it('--init runs tini as PID 1 in front of the command', async () => {
    const r = await run(sh('cat /proc/1/cmdline | tr "\\0" " "; echo; echo $$'), { Init: true });
    const [pid1, self] = r.log.split('\n');
    assert.match(pid1 ?? '', /^\/sbin\/docker-init -- sh -c/);
    assert.notEqual(self, '1');
  });

  it('--device makes the node, --tmpfs mounts a tmpfs, --shm-size sizes /dev/shm', async () => {
    const r = await run(sh('ls -l /dev/mynull | cut -c1; grep " /scratch " /proc/mounts | cut -d" " -f3; df -k /dev/shm | tail -1 | awk "{print \\$2}"'), {
      Devices: [{ PathOnHost: '/dev/null', PathInContainer: '/dev/mynull', CgroupPermissions: 'rwm' }],
      Tmpfs: { '/scratch': 'rw,size=1m' },
      ShmSize: 8 << 20,
    });
    assert.deepEqual(r.log.split('\n'), ['c', 'tmpfs', '8192']);
  });

  it('-u and -w set the process user and working directory', async () => {
    const r = await run({ ...sh('id -u; id -g; pwd'), User: '1234:5678', WorkingDir: '/tmp' });
    assert.deepEqual(r.log.split('\n'), ['1234', '5678', '/tmp']);
    const named = await run({ ...sh('id -un'), User: 'nobody' });
    assert.equal(named.log, 'nobody');
  });
});
