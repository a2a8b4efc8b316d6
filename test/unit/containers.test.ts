// Pure container logic: config merging, validation, status lines, filters, health and restart
// decisions, ps parsing, security options and the network files.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { entrypointAndArgs, fromCreateBody, mergeConfig, validateContainerConfig, validateHostConfig, validateName } from '../../src/containers/create.js';
import { parseUintList, verifyResources, type BlkioSupport } from '../../src/containers/resources.js';
import { matchContainer, validateContainerFilters } from '../../src/containers/filters.js';
import { nextHealth, probeSettings } from '../../src/containers/health.js';
import { restartDelay } from '../../src/containers/restart.js';
import { blkioSupport, hostsContent, listHostDevices, parseSecurityOpts, resolvConfContent } from '../../src/containers/runspec.js';
import { signalNumber } from '../../src/containers/signals.js';
import { parsePS } from '../../src/containers/top.js';
import { initialState, type ContainerRecord, type Health } from '../../src/containers/types.js';
import { prunable, updatedHostConfig } from '../../src/containers/update.js';
import { statusLine } from '../../src/containers/views.js';
import { Waiters } from '../../src/containers/waiters.js';
import { isTugError } from '../../src/errors.js';
import { mknod } from '../../src/sys/libc.js';

function record(over: Partial<ContainerRecord> = {}): ContainerRecord {
  return fromCreateBody({ Image: 'busybox', Cmd: ['true'], ...((over as { body?: object }).body ?? {}) }, {
    id: 'a'.repeat(64), name: '/x', now: '2026-11-22T10:00:00Z', imageID: 'sha256:img', imageConfig: { Cmd: ['sh'] }, layers: [], logPath: '/l',
  });
}

describe('mergeConfig (moby merge rules)', () => {
  const image = { Env: ['PATH=/bin', 'A=1'], Cmd: ['sh'], Entrypoint: ['/entry'], WorkingDir: '/w', User: 'u', Labels: { a: '1' }, ExposedPorts: { '80/tcp': {} }, StopSignal: 'SIGQUIT' };
  const cases: [string, object, (c: ReturnType<typeof mergeConfig>) => void][] = [
    ['fills everything left out', {}, (c) => {
      assert.deepEqual(c.Cmd, ['sh']);
      assert.deepEqual(c.Entrypoint, ['/entry']);
      assert.equal(c.WorkingDir, '/w');
      assert.equal(c.User, 'u');
      assert.equal(c.StopSignal, 'SIGQUIT');
      assert.deepEqual(c.ExposedPorts, { '80/tcp': {} });
    }],
    ['user env wins by name, image env is appended', { Env: ['A=2', 'B=3'] }, (c) => assert.deepEqual(c.Env, ['A=2', 'B=3', 'PATH=/bin'])],
    ['user Cmd keeps the image entrypoint', { Cmd: ['x'] }, (c) => assert.deepEqual([c.Entrypoint, c.Cmd], [['/entry'], ['x']])],
    ['user entrypoint drops the image Cmd', { Entrypoint: ['/e2'] }, (c) => assert.deepEqual([c.Entrypoint, c.Cmd], [['/e2'], undefined])],
    ['labels merge, user wins', { Labels: { a: '2', b: '3' } }, (c) => assert.deepEqual(c.Labels, { a: '2', b: '3' })],
  ];
  for (const [name, user, check] of cases) it(name, () => check(mergeConfig(user, image)));
});

describe('entrypointAndArgs', () => {
  it('joins entrypoint and cmd; --entrypoint "" resets', () => {
    assert.deepEqual(entrypointAndArgs({ Entrypoint: ['a', 'b'], Cmd: ['c'] }), { path: 'a', args: ['b', 'c'] });
    assert.deepEqual(entrypointAndArgs({ Entrypoint: [''], Cmd: ['c', 'd'] }), { path: 'c', args: ['d'] });
    assert.throws(() => entrypointAndArgs({}), /No command specified/);
  });
});

describe('validation', () => {
  it('names', () => {
    assert.equal(validateName('web'), '/web');
    assert.equal(validateName('/web.1_a-b'), '/web.1_a-b');
    for (const bad of ['-x', 'a', 'a b', 'a/b', '']) assert.throws(() => validateName(bad), (e) => isTugError(e, 'InvalidParameter'));
  });
  it('host config', () => {
    const bad: [object, RegExp][] = [
      [{ RestartPolicy: { Name: 'sometimes' } }, /unknown policy 'sometimes'/],
      [{ RestartPolicy: { Name: 'always', MaximumRetryCount: 2 } }, /can only be used with 'on-failure'/],
      [{ AutoRemove: true, RestartPolicy: { Name: 'always' } }, /can't create 'AutoRemove' container with restart policy/],
      [{ Memory: 1024 }, /Minimum memory limit allowed is 6MB/],
      [{ Memory: 64 << 20, MemorySwap: 32 << 20 }, /Minimum memoryswap limit/],
      [{ IpcMode: 'bogus' }, /^TugError: invalid IPC mode: bogus$/],
      [{ PidMode: 'container:' }, /^TugError: invalid PID mode: container:$/],
      [{ PidMode: 'private' }, /^TugError: invalid PID mode: private$/],
      [{ UTSMode: 'container:x' }, /^TugError: invalid UTS mode: container:x$/],
      [{ Isolation: 'hyperv' }, /^TugError: invalid isolation 'hyperv' on linux$/],
      [{ Annotations: { '': 'x' } }, /^TugError: invalid Annotations: the empty string is not permitted as an annotation key$/],
      [{ StorageOpt: { size: '1G' } }, /^TugError: --storage-opt is supported only for overlay over xfs with 'pquota' mount option$/],
      [{ StorageOpt: { Inodes: '10' } }, /^TugError: Unknown option inodes$/],
    ];
    for (const [hc, re] of bad) assert.throws(() => validateHostConfig(hc), re);
    validateHostConfig({ Memory: 64 << 20, MemorySwap: -1, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 } });
    for (const IpcMode of ['', 'none', 'private', 'host', 'shareable', 'container:db']) validateHostConfig({ IpcMode, PidMode: 'container:db', UTSMode: 'host' });
  });
  const host = (blkio: BlkioSupport) => ({ blkio, cpus: 2, cpusetCpus: '0-1', cpusetMems: '0' });
  it('resource limits are checked as dockerd checks them on a 2-CPU host', () => {
    const all = { weight: true, weightDevice: true, readBps: true, writeBps: true, readIOps: true, writeIOps: true };
    const bad: Array<[object, string]> = [
      [{ MemorySwappiness: 101 }, 'Invalid value: 101, valid memory swappiness range is 0-100'],
      [{ MemoryReservation: 1024 }, 'Minimum memory reservation allowed is 6MB'],
      [{ Memory: 8 << 20, MemoryReservation: 16 << 20 }, 'Minimum memory limit can not be less than memory reservation limit, see usage'],
      [{ NanoCpus: 1e9, CpuPeriod: 100000 }, 'Conflicting options: Nano CPUs and CPU Period cannot both be set'],
      [{ NanoCpus: 1e9, CpuQuota: 50000 }, 'Conflicting options: Nano CPUs and CPU Quota cannot both be set'],
      [{ NanoCpus: 3e9 }, 'range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'],
      [{ NanoCpus: -1 }, 'range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available'],
      [{ CpuPeriod: 999 }, 'CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)'],
      [{ CpuQuota: 500 }, 'CPU cfs quota can not be less than 1ms (i.e. 1000)'],
      [{ CpusetCpus: '0-3' }, 'Requested CPUs are not available - requested 0-3, available: 0-1'],
      [{ CpusetCpus: '1-0' }, 'Invalid value 1-0 for cpuset cpus: invalid format: 1-0'],
      [{ CpusetCpus: '0-99999' }, 'Invalid value 0-99999 for cpuset cpus: value of out range, maximum is 8192'],
      [{ CpusetMems: '1' }, 'Requested memory nodes are not available - requested 1, available: 0'],
    ];
    for (const [hc, message] of bad) assert.throws(() => verifyResources({ ...hc }, host(all)), (e) => isTugError(e, 'InvalidParameter') && e.message === message, message);
    const oom = { OomKillDisable: true, CpuPercent: 50, MemorySwappiness: -1 };
    assert.deepEqual(verifyResources(oom, host(all)), [
      'OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.',
      'linux does not support CPU percent. Percent discarded.',
    ]);
    // -1 is the CLI's "not set".
    assert.deepEqual(oom, { OomKillDisable: true, CpuPercent: 0, MemorySwappiness: null });
    assert.deepEqual(verifyResources({ Memory: 64 << 20, OomKillDisable: true, NanoCpus: 2e9, CpusetCpus: '1', CpusetMems: '0', MemorySwappiness: 0 }, host(all)), []);
    assert.deepEqual(verifyResources({ CpusetCpus: '7' }, { ...host(all), cpusetCpus: undefined }), [], 'no cpuset hierarchy: nothing to check against');
    assert.deepEqual([...parseUintList('0,3-4,7,8-10')], [0, 3, 4, 7, 8, 9, 10]);
    assert.deepEqual([...parseUintList('03,1-3')], [3, 1, 2]);
  });
  it('blkio limits the host cannot take are discarded with dockerd\'s warnings; a weight it takes is 10-1000', () => {
    const none = { weight: false, weightDevice: false, readBps: false, writeBps: false, readIOps: false, writeIOps: false };
    const all = { weight: true, weightDevice: true, readBps: true, writeBps: true, readIOps: true, writeIOps: true };
    const dev = [{ Path: '/dev/vda', Rate: 1 }];
    const hc = { BlkioWeight: 5, BlkioWeightDevice: [{ Path: '/dev/vda', Weight: 10 }], BlkioDeviceReadBps: dev, BlkioDeviceWriteBps: dev, BlkioDeviceReadIOps: dev, BlkioDeviceWriteIOps: dev };
    const discarded = { ...hc };
    assert.deepEqual(verifyResources(discarded, host(none)), [
      'Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.',
      'Your kernel does not support Block I/O weight_device or the cgroup is not mounted. Weight-device discarded.',
      'Your kernel does not support BPS Block I/O read limit or the cgroup is not mounted. Block I/O BPS read limit discarded.',
      'Your kernel does not support BPS Block I/O write limit or the cgroup is not mounted. Block I/O BPS write limit discarded.',
      'Your kernel does not support IOPS Block read limit or the cgroup is not mounted. Block I/O IOPS read limit discarded.',
      'Your kernel does not support IOPS Block write limit or the cgroup is not mounted. Block I/O IOPS write limit discarded.',
    ]);
    assert.deepEqual(discarded, { BlkioWeight: 0, BlkioWeightDevice: [], BlkioDeviceReadBps: [], BlkioDeviceWriteBps: [], BlkioDeviceReadIOps: [], BlkioDeviceWriteIOps: [] });
    assert.throws(() => verifyResources({ ...hc }, host(all)), /^TugError: Range of blkio weight is from 10 to 1000$/);
    const kept = { ...hc, BlkioWeight: 500 };
    assert.deepEqual(verifyResources(kept, host(all)), []);
    assert.deepEqual(kept, { ...hc, BlkioWeight: 500 });
    assert.deepEqual(verifyResources({}, host(none)), []);
  });
  it('finds which blkio limits the host takes as dockerd\'s sysinfo does', () => {
    const v1 = '35 25 0:30 / /sys/fs/cgroup/blkio rw,nosuid shared:15 - cgroup cgroup rw,blkio\n36 25 0:31 / /sys/fs/cgroup/memory rw shared:16 - cgroup cgroup rw,memory\n';
    const bfqOnly = new Set(['/sys/fs/cgroup/blkio/blkio.throttle.read_bps_device', '/sys/fs/cgroup/blkio/blkio.throttle.write_bps_device',
      '/sys/fs/cgroup/blkio/blkio.throttle.read_iops_device', '/sys/fs/cgroup/blkio/blkio.throttle.write_iops_device']);
    assert.deepEqual(blkioSupport(v1, '', (p) => bfqOnly.has(p)), { weight: false, weightDevice: false, readBps: true, writeBps: true, readIOps: true, writeIOps: true });
    assert.deepEqual(blkioSupport(v1, '', () => true), { weight: true, weightDevice: true, readBps: true, writeBps: true, readIOps: true, writeIOps: true });
    const v2 = '30 1 0:26 / /sys/fs/cgroup rw shared:4 - cgroup2 cgroup2 rw,nsdelegate\n';
    assert.deepEqual(Object.values(blkioSupport(v2, 'cpuset cpu io memory pids\n', () => false)), [true, true, true, true, true, true]);
    assert.deepEqual(Object.values(blkioSupport(v2, 'cpu memory\n', () => true)), [false, false, false, false, false, false]);
  });
  it('the client\'s config as dockerd\'s validateContainerConfig checks it', () => {
    const bad: Array<[object, string]> = [
      [{ WorkingDir: 'rel/dir' }, "the working directory 'rel/dir' is invalid, it needs to be an absolute path"],
      [{ StopSignal: 'SIGNOPE' }, 'Invalid signal: SIGNOPE'],
      [{ StopSignal: '0' }, 'Invalid signal: 0'],
      [{ Env: ['A=1', '=x'] }, 'invalid environment variable: =x'],
      [{ Env: [''] }, 'invalid environment variable: '],
      [{ Healthcheck: { Test: ['CMD', 'true'], Interval: 999_999 } }, 'Interval in Healthcheck cannot be less than 1ms'],
      [{ Healthcheck: { Test: ['CMD', 'true'], Timeout: 1 } }, 'Timeout in Healthcheck cannot be less than 1ms'],
      [{ Healthcheck: { Test: ['CMD', 'true'], Retries: -1 } }, 'Retries in Healthcheck cannot be negative'],
      [{ Healthcheck: { Test: ['CMD', 'true'], StartPeriod: 5 } }, 'StartPeriod in Healthcheck cannot be less than 1ms'],
    ];
    for (const [config, message] of bad) assert.throws(() => validateContainerConfig({ ...config }), (e) => isTugError(e, 'InvalidParameter') && e.message === message, message);
    const ok = { WorkingDir: '/a/../b/', StopSignal: 'term', Env: ['A'], Healthcheck: { Test: ['CMD', 'true'], Interval: 1_000_000 } };
    validateContainerConfig(ok);
    assert.equal(ok.WorkingDir, '/b');
  });
  it('defaults the hostname to the short ID and the network mode to bridge', () => {
    const r = record();
    assert.equal(r.Config.Hostname, 'a'.repeat(12));
    assert.equal(r.HostConfig.NetworkMode, 'bridge');
    // dockerd's default-ipc-mode.
    assert.equal(r.HostConfig.IpcMode, 'private');
    assert.deepEqual([r.Path, r.Args], ['true', []]);
  });
});

describe('statusLine', () => {
  const now = Date.parse('2026-11-22T10:10:00Z');
  const base = initialState();
  it('matches dockerd\'s wording', () => {
    assert.equal(statusLine(base, now), 'Created');
    assert.equal(statusLine({ ...base, Running: true, StartedAt: '2026-11-22T10:09:58Z' }, now), 'Up 2 seconds');
    assert.equal(statusLine({ ...base, Running: true, Paused: true, StartedAt: '2026-11-22T10:00:00Z' }, now), 'Up 10 minutes (Paused)');
    assert.equal(statusLine({ ...base, Running: true, StartedAt: '2026-11-22T10:09:00Z', Health: { Status: 'healthy', FailingStreak: 0, Log: [] } }, now), 'Up About a minute (healthy)');
    assert.equal(statusLine({ ...base, Running: true, StartedAt: '2026-11-22T10:09:00Z', Health: { Status: 'starting', FailingStreak: 0, Log: [] } }, now), 'Up About a minute (health: starting)');
    assert.equal(statusLine({ ...base, Status: 'exited', ExitCode: 3, StartedAt: '2026-11-22T10:00:00Z', FinishedAt: '2026-11-22T10:09:57Z' }, now), 'Exited (3) 3 seconds ago');
  });
});

describe('container filters', () => {
  it('validates names and values', () => {
    assert.throws(() => validateContainerFilters({ bogus: ['x'] }), /invalid filter 'bogus'/);
    assert.throws(() => validateContainerFilters({ status: ['sleeping'] }), /invalid filter 'status=sleeping'/);
    validateContainerFilters({ status: ['running'], label: ['a=b'], name: ['^/x$'] });
  });
  it('matches id prefix, name regexp, status, label, exited', () => {
    const r = record();
    r.Config.Labels = { env: 'prod' };
    r.State = { ...r.State, Status: 'exited', ExitCode: 2, StartedAt: '2026-11-22T10:00:01Z', FinishedAt: '2026-11-22T10:00:02Z' };
    assert.ok(matchContainer(r, { id: ['aaa'], name: ['x'], status: ['exited'], label: ['env=prod'], exited: ['2'] }, {}));
    assert.ok(!matchContainer(r, { exited: ['0'] }, {}));
    assert.ok(!matchContainer(r, { label: ['env=dev'] }, {}));
    assert.ok(!matchContainer(r, { 'label!': ['env'] }, {}));
    assert.ok(!matchContainer(r, { name: ['^/y'] }, {}));
  });
  it('match names with and without the slash, and ids, as filters.Args.Match (equal, or an unanchored regexp)', () => {
    const r = record();
    for (const name of ['x', '/x', '^x$', '^/x$', 'x$']) assert.ok(matchContainer(r, { name: [name] }, {}), name);
    for (const name of ['y', '^y', '(']) assert.ok(!matchContainer(r, { name: [name] }, {}), name);
    assert.ok(matchContainer(r, { id: ['aaa'] }, {}));
    assert.ok(matchContainer(r, { id: ['a{64}'] }, {}));
    assert.ok(!matchContainer(r, { id: ['b'] }, {}));
  });
  it('volume, network, publish, expose and is-task select as dockerd does', () => {
    const r = record();
    r.MountPoints = {
      '/data': { Type: 'volume', Name: 'vol1', Source: '/var/lib/v/vol1/_data', Destination: '/data', Driver: 'local', Mode: '', RW: true, Propagation: '' },
      '/src': { Type: 'bind', Source: '/home/me/src', Destination: '/src', Mode: '', RW: true, Propagation: 'rprivate' },
    } as unknown as ContainerRecord['MountPoints'];
    for (const v of ['/data', 'vol1', '/home/me/src', '/src']) assert.ok(matchContainer(r, { volume: [v] }, {}), v);
    for (const v of ['/var/lib/v/vol1/_data', 'vol2', '/home']) assert.ok(!matchContainer(r, { volume: [v] }, {}), v);
    assert.ok(!matchContainer(record(), { volume: ['/data'] }, {}));
    r.Endpoints = { front: { NetworkID: 'abc123' } as never };
    for (const v of ['front', 'abc', 'abc123']) assert.ok(matchContainer(r, { network: [v] }, {}), v);
    for (const v of ['bridge', 'bc']) assert.ok(!matchContainer(r, { network: [v] }, {}), v);
    r.Config.ExposedPorts = { '80/tcp': {}, '9000/tcp': {}, '53/udp': {} };
    r.PublishedPorts = [{ proto: 'tcp', hostIp: '', hostPort: 18080, containerPort: 80 }];
    r.State = { ...r.State, Running: true, Status: 'running' };
    const yes: Record<string, string[]>[] = [{ publish: ['18080'] }, { publish: ['18080/tcp'] }, { publish: ['18000-18100'] }, { expose: ['80'] }, { expose: ['9000'] }, { expose: ['53/udp'] }, { expose: ['1-100/tcp'] }];
    const no: Record<string, string[]>[] = [{ publish: ['80'] }, { publish: ['18080/udp'] }, { expose: ['18080'] }, { expose: ['53'] }];
    for (const f of yes) assert.ok(matchContainer(r, f, {}), JSON.stringify(f));
    for (const f of no) assert.ok(!matchContainer(r, f, {}), JSON.stringify(f));
    assert.ok(matchContainer(r, { 'is-task': ['false'] }, {}));
    assert.ok(!matchContainer(r, { 'is-task': ['true'] }, {}));
    assert.throws(() => validateContainerFilters({ 'is-task': ['maybe'] }), /^TugError: invalid filter 'is-task=maybe'$/);
    assert.throws(() => validateContainerFilters({ publish: ['80:80'] }), /^TugError: filter for 'publish' should not contain ':': 80:80$/);
    assert.throws(() => validateContainerFilters({ expose: ['http'] }), /^TugError: error while looking up for expose http: /);
  });
});

describe('health', () => {
  it('reads probe settings with dockerd\'s defaults', () => {
    assert.equal(probeSettings({ Test: ['NONE'] }, undefined), undefined);
    assert.equal(probeSettings(undefined, undefined), undefined);
    const p = probeSettings({ Test: ['CMD-SHELL', 'curl -f x'] }, undefined)!;
    assert.deepEqual(p.argv, ['/bin/sh', '-c', 'curl -f x']);
    assert.deepEqual([p.intervalMs, p.timeoutMs, p.retries], [30_000, 30_000, 3]);
    assert.deepEqual(probeSettings({ Test: ['CMD', 'true'], Interval: 1e9 }, ['/bin/bash', '-c'])!.argv, ['true']);
    assert.deepEqual(probeSettings({ Test: ['CMD-SHELL', 'x'] }, ['/bin/bash', '-c'])!.argv, ['/bin/bash', '-c', 'x']);
  });
  it('transitions: healthy on success, unhealthy after retries, start period forgiven', () => {
    const r = (exitCode: number) => ({ exitCode, output: '', start: 's', end: 'e' });
    let h: Health = { Status: 'starting', FailingStreak: 0, Log: [] };
    h = nextHealth(h, r(1), true, 2);
    assert.deepEqual([h.Status, h.FailingStreak], ['starting', 0]);
    h = nextHealth(h, r(1), false, 2);
    h = nextHealth(h, r(1), false, 2);
    assert.deepEqual([h.Status, h.FailingStreak], ['unhealthy', 2]);
    h = nextHealth(h, r(0), false, 2);
    assert.deepEqual([h.Status, h.FailingStreak], ['healthy', 0]);
    for (let i = 0; i < 10; i++) h = nextHealth(h, r(0), false, 2);
    assert.equal(h.Log.length, 5);
  });
});

describe('restart policies', () => {
  const exited = (name: string, code: number, count = 0, manual = false, max = 0): ContainerRecord => {
    const r = record();
    r.HostConfig.RestartPolicy = { Name: name as never, MaximumRetryCount: max };
    r.State = { ...r.State, ExitCode: code, StartedAt: '2026-11-22T10:00:00Z', FinishedAt: '2026-11-22T10:00:01Z' };
    r.RestartCount = count;
    r.ManuallyStopped = manual;
    return r;
  };
  it('decides as dockerd, with a doubling backoff', () => {
    assert.equal(restartDelay(exited('no', 1)), undefined);
    assert.equal(restartDelay(exited('always', 0)), 100);
    assert.equal(restartDelay(exited('always', 0, 3)), 800);
    assert.equal(restartDelay(exited('always', 0, 0, true)), undefined);
    assert.equal(restartDelay(exited('unless-stopped', 0, 0, true)), undefined);
    assert.equal(restartDelay(exited('on-failure', 0)), undefined);
    assert.equal(restartDelay(exited('on-failure', 1, 1, false, 2)), 200);
    assert.equal(restartDelay(exited('on-failure', 1, 2, false, 2)), undefined);
  });
});

describe('top', () => {
  it('keeps the container\'s rows and the command\'s spaces', () => {
    const out = 'UID   PID  PPID  C STIME TTY TIME CMD\nroot  10   1     0 10:00 ?   00:00:00 sleep 100\nroot  11   1     0 10:00 ?   00:00:00 other thing\n';
    assert.deepEqual(parsePS(out, new Set([10])), { Titles: ['UID', 'PID', 'PPID', 'C', 'STIME', 'TTY', 'TIME', 'CMD'], Processes: [['root', '10', '1', '0', '10:00', '?', '00:00:00', 'sleep 100']] });
    assert.throws(() => parsePS('A B\n1 2\n', new Set([1])), /Couldn't find PID field/);
  });
});

describe('update and prune', () => {
  it('changes only what the body sets and keeps AutoRemove rules', () => {
    const r = record();
    const hc = updatedHostConfig(r, { Memory: 64 << 20, PidsLimit: 5, RestartPolicy: { Name: 'always' } });
    assert.deepEqual([hc.Memory, hc.PidsLimit, hc.RestartPolicy?.Name], [64 << 20, 5, 'always']);
    r.HostConfig.AutoRemove = true;
    assert.throws(() => updatedHostConfig(r, { RestartPolicy: { Name: 'always' } }), /AutoRemove is enabled/);
  });
  it('prunes stopped containers matching label and until', () => {
    const r = record();
    r.Config.Labels = { keep: 'no' };
    assert.ok(prunable(r, {}));
    assert.ok(prunable(r, { label: ['keep=no'], until: ['2026-11-23T00:00:00Z'] }));
    assert.ok(!prunable(r, { until: ['2026-11-21T00:00:00Z'] }));
    assert.ok(!prunable(r, { 'label!': ['keep'] }));
    r.State.Running = true;
    assert.ok(!prunable(r, {}));
    assert.throws(() => prunable(r, { status: ['x'] }), /invalid filter 'status'/);
  });
});

describe('security options, signals, network files', () => {
  it('parses --security-opt as dockerd', () => {
    assert.equal(parseSecurityOpts(['no-new-privileges']).noNewPrivileges, true);
    assert.equal(parseSecurityOpts(['no-new-privileges:false']).noNewPrivileges, false);
    assert.equal(parseSecurityOpts(['seccomp=unconfined']).seccomp, 'unconfined');
    assert.throws(() => parseSecurityOpts(['bogus=1']), /invalid --security-opt 2: "bogus=1"/);
    assert.throws(() => parseSecurityOpts(['nonsense']), /invalid --security-opt 1/);
  });
  it('maps signal names', () => {
    assert.equal(signalNumber('SIGTERM'), '15');
    assert.equal(signalNumber('kill'), '9');
    assert.equal(signalNumber('10'), '10');
    assert.throws(() => signalNumber('SIGNOPE'), /Invalid signal: SIGNOPE/);
  });
  it('drops loopback nameservers for private networks and honours --dns', () => {
    const r = record();
    assert.equal(resolvConfContent(r, 'nameserver 127.0.0.53\nsearch x\n'), 'search x\nnameserver 8.8.8.8\nnameserver 8.8.4.4\n');
    r.HostConfig.Dns = ['1.1.1.1'];
    assert.equal(resolvConfContent(r, 'nameserver 10.0.0.1\n'), 'nameserver 1.1.1.1\n');
    r.HostConfig.NetworkMode = 'host';
    r.HostConfig.Dns = [];
    assert.equal(resolvConfContent(r, 'nameserver 127.0.0.53\n'), 'nameserver 127.0.0.53\n');
  });
  it('writes Docker\'s standard hosts entries plus --add-host', () => {
    const r = record();
    r.HostConfig.ExtraHosts = ['db:10.0.0.2'];
    assert.match(hostsContent(r, ''), /^127\.0\.0\.1\tlocalhost\n.*10\.0\.0\.2\tdb\n$/s);
  });
});

describe('waiters', () => {
  it('resolves not-running at once for a stopped container and next-exit on the exit', async () => {
    const w = new Waiters();
    const r = record();
    r.State.ExitCode = 4;
    assert.deepEqual(await w.wait(r.ID, 'not-running', () => r), { StatusCode: 4 });
    const next = w.wait(r.ID, 'next-exit', () => r);
    w.exited(r.ID, { StatusCode: 9 });
    assert.deepEqual(await next, { StatusCode: 9 });
    const removed = w.wait(r.ID, 'removed', () => r);
    w.removed(r.ID, { StatusCode: 9 });
    assert.deepEqual(await removed, { StatusCode: 9 });
    await assert.rejects(w.wait('gone', 'not-running', () => undefined), /No such container: gone/);
  });
});

describe('listHostDevices (what --privileged gives)', () => {
  it('walks char and block nodes, skipping pts, shm, the console, links, pipes and files, as runc does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tug-dev-'));
    try {
      for (const d of ['sub', 'pts', 'shm', 'mqueue']) mkdirSync(join(dir, d));
      const node = (path: string, mode: number, major: number, minor: number) => mknod(join(dir, path), mode, (BigInt(major) << 8n) | BigInt(minor));
      node('kmsg', 0o020644, 1, 11);
      node('sub/loop0', 0o060600, 7, 0);
      node('pts/0', 0o020620, 136, 0);
      node('shm/x', 0o020600, 1, 3);
      node('console', 0o020600, 5, 1);
      node('fifo', 0o010600, 0, 0);
      symlinkSync('kmsg', join(dir, 'link'));
      writeFileSync(join(dir, 'file'), '');
      const found = (await listHostDevices(dir)).sort((a, b) => a.pathOnHost.localeCompare(b.pathOnHost));
      assert.deepEqual(found.map((d) => [d.pathOnHost.slice(dir.length), d.pathInContainer === d.pathOnHost, d.type, d.major, d.minor, d.fileMode & 0o777, d.permissions]), [
        ['/kmsg', true, 'c', 1, 11, 0o644, 'rwm'],
        ['/sub/loop0', true, 'b', 7, 0, 0o600, 'rwm'],
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
