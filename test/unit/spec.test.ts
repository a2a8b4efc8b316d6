// Table tests for each step of buildSpec: a SpecInput in, the exact part of config.json out.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidParameterError } from '../../src/errors.js';
import {
  ALL_CAPABILITIES, buildSpec, DEFAULT_CAPABILITIES, DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, defaultSpec,
  RLIM_INFINITY, serializeSpec, SPEC_OPTS, withAnnotations, withCapabilities, withCgroupsPath, withDevices, withHostname,
  withInit, withMounts, withNamespaces, withPrivileged, withProcess, withReadonlyRootfs, withResources, withRlimits,
  withSysctls,
} from '../../src/runtime/spec/index.js';
import type { Spec, SpecInput } from '../../src/runtime/spec/index.js';
import { specInput } from './spec-fixture.js';

const base = defaultSpec();
const apply = (opt: (s: Spec, i: SpecInput) => Spec, over: Partial<SpecInput> = {}) => opt(base, specInput(over));
const caps = (list: readonly string[]) => ({ bounding: [...list], effective: [...list], permitted: [...list] });

describe('withCapabilities', () => {
  const cases: [string, Partial<SpecInput>, readonly string[]][] = [
    ['default set', {}, DEFAULT_CAPABILITIES],
    ['--cap-drop ALL --cap-add CHOWN', { capDrop: ['ALL'], capAdd: ['CHOWN'] }, ['CAP_CHOWN']],
    ['--cap-add sys_admin (any case, no prefix)', { capAdd: ['sys_admin'] }, [...DEFAULT_CAPABILITIES, 'CAP_SYS_ADMIN']],
    ['--cap-drop CAP_NET_RAW --cap-drop mknod', { capDrop: ['CAP_NET_RAW', 'mknod'] },
      DEFAULT_CAPABILITIES.filter((c) => c !== 'CAP_NET_RAW' && c !== 'CAP_MKNOD')],
    ['--cap-add ALL --cap-drop MKNOD', { capAdd: ['ALL'], capDrop: ['MKNOD'] }, ALL_CAPABILITIES.filter((c) => c !== 'CAP_MKNOD')],
    ['--cap-add of a default cap adds nothing', { capAdd: ['CHOWN'] }, DEFAULT_CAPABILITIES],
    ['--cap-add ALL limited to what the host has', { capAdd: ['ALL'], availableCaps: ['CAP_CHOWN', 'CAP_KILL'] }, ['CAP_CHOWN', 'CAP_KILL']],
  ];
  for (const [name, over, want] of cases) {
    it(name, () => assert.deepEqual(apply(withCapabilities, over).process?.capabilities, caps(want)));
  }
  const errors: [Partial<SpecInput>, string][] = [
    [{ capAdd: ['FOO'] }, 'unknown capability: "CAP_FOO"'],
    [{ capAdd: ['SYS_RESOURCE'], availableCaps: DEFAULT_CAPABILITIES as string[] },
      'capability not supported by your kernel or not available in the current environment: "CAP_SYS_RESOURCE"'],
  ];
  for (const [over, message] of errors) {
    it(`refuses ${JSON.stringify(over.capAdd)}`, () => assert.throws(() => apply(withCapabilities, over), (e) =>
      e instanceof InvalidParameterError && e.message === message));
  }
});

describe('withPrivileged', () => {
  const host = ['CAP_CHOWN', 'CAP_SYS_ADMIN', 'CAP_NET_ADMIN'];
  const tty = { pathOnHost: '/dev/tty1', pathInContainer: '/dev/tty1', permissions: 'rwm', type: 'c' as const, major: 4, minor: 1, fileMode: 0o620, uid: 0, gid: 5 };
  const s = buildSpec(specInput({ privileged: true, availableCaps: host, capAdd: ['NOT_A_CAP'], hostDevices: [tty] }));
  it('has every capability the host has, in bit order', () =>
    assert.deepEqual(s.process?.capabilities, caps(['CAP_CHOWN', 'CAP_NET_ADMIN', 'CAP_SYS_ADMIN'])));
  it('allows all devices and creates the host ones', () => {
    assert.deepEqual(s.linux?.resources?.devices, [{ allow: true, access: 'rwm' }]);
    assert.deepEqual(s.linux?.devices, [{ path: '/dev/tty1', type: 'c', major: 4, minor: 1, fileMode: 0o620, uid: 0, gid: 5 }]);
  });
  it('masks nothing, makes nothing read-only, runs unconfined', () => {
    assert.equal(s.linux?.maskedPaths, undefined);
    assert.equal(s.linux?.readonlyPaths, undefined);
    assert.equal(s.linux?.seccomp, undefined);
  });
  it('mounts /sys and the cgroups read-write', () => {
    const sys = s.mounts?.filter((m) => m.destination.startsWith('/sys'));
    assert.deepEqual(sys?.map((m) => m.options), [['nosuid', 'noexec', 'nodev'], ['nosuid', 'noexec', 'nodev']]);
  });
  it('keeps a profile the user names', () => {
    const p = buildSpec(specInput({ privileged: true, seccomp: { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kexec_load'], action: 'SCMP_ACT_ERRNO' }] } }));
    assert.deepEqual(p.linux?.seccomp, { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['kexec_load'], action: 'SCMP_ACT_ERRNO' }] });
  });
  it('leaves an unprivileged spec alone', () => assert.equal(apply(withPrivileged), base));
});

describe('withMounts', () => {
  const dests = (s: Spec) => s.mounts?.map((m) => m.destination);
  const find = (s: Spec, dest: string) => s.mounts?.filter((m) => m.destination === dest);
  const defaults = ['/proc', '/dev', '/dev/pts', '/sys', '/sys/fs/cgroup', '/dev/mqueue', '/dev/shm'];
  const net = ['/etc/resolv.conf', '/etc/hostname', '/etc/hosts'];
  const cases: [string, Partial<SpecInput>, (s: Spec) => void][] = [
    ['defaults, then the network files', {}, (s) => {
      assert.deepEqual(dests(s), [...defaults, ...net]);
      assert.deepEqual(find(s, '/etc/hosts'), [{ destination: '/etc/hosts', type: 'bind', source: '/var/lib/tug/containers/c0ffee/hosts', options: ['rbind', 'rprivate'] }]);
      assert.deepEqual(find(s, '/dev/shm')?.[0].options, ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=67108864']);
    }],
    ['--shm-size 1g', { shmSize: 2 ** 30 }, (s) => assert.equal(find(s, '/dev/shm')?.[0].options?.at(-1), 'size=1073741824')],
    ['-v /srv/hosts:/etc/hosts:ro replaces the generated file', {
      mounts: [{ type: 'bind', source: '/srv/hosts', destination: '/etc/hosts', readOnly: true }],
    }, (s) => assert.deepEqual(find(s, '/etc/hosts'), [{ destination: '/etc/hosts', type: 'bind', source: '/srv/hosts', options: ['rbind', 'ro', 'rprivate'] }])],
    ['no network files when none are given', { hostsFile: undefined, hostnameFile: undefined, resolvConfFile: undefined }, (s) => assert.deepEqual(dests(s), defaults)],
    ['--tmpfs /run:rw,size=64m', { tmpfs: { '/run': 'rw,size=64m' } }, (s) =>
      assert.deepEqual(find(s, '/run'), [{ destination: '/run', type: 'tmpfs', source: 'tmpfs', options: ['noexec', 'nosuid', 'nodev', 'rprivate', 'rw', 'size=64m'] }])],
    ['--tmpfs /tmp:exec,mode=1777 drops the default noexec', { tmpfs: { '/tmp': 'exec,mode=1777' } }, (s) =>
      assert.deepEqual(find(s, '/tmp')?.[0].options, ['nosuid', 'nodev', 'rprivate', 'exec', 'mode=1777'])],
    ['--mount type=tmpfs,readonly', { mounts: [{ type: 'tmpfs', source: '', destination: '/cache', readOnly: true, options: ['size=1m'] }] }, (s) =>
      assert.deepEqual(find(s, '/cache')?.[0].options, ['noexec', 'nosuid', 'nodev', 'rprivate', 'size=1m', 'ro'])],
    ['a tmpfs at /dev/shm replaces the default one', { tmpfs: { '/dev/shm': '' } }, (s) =>
      assert.deepEqual(find(s, '/dev/shm')?.map((m) => m.source), ['tmpfs'])],
    ['--ipc none has no /dev/shm', { ipcMode: 'none' }, (s) => assert.deepEqual(find(s, '/dev/shm'), [])],
    ['--ipc host binds the host /dev/shm', { ipcMode: 'host' }, (s) =>
      assert.deepEqual(find(s, '/dev/shm'), [{ destination: '/dev/shm', type: 'bind', source: '/dev/shm', options: ['rbind', 'rprivate'] }])],
    ['--ipc shareable binds its tmpfs on the host', { shmSource: '/d/c/mounts/shm' }, (s) =>
      assert.deepEqual(find(s, '/dev/shm'), [{ destination: '/dev/shm', type: 'bind', source: '/d/c/mounts/shm', options: ['rbind', 'rprivate'] }])],
    ['--ipc container:X binds the donor\'s', { ipcMode: 'ns', ipcNsPath: '/proc/9/ns/ipc', shmSource: '/d/donor/mounts/shm' }, (s) =>
      assert.deepEqual(find(s, '/dev/shm')?.map((m) => m.source), ['/d/donor/mounts/shm'])],
    ['-v /dev:/dev drops every default under /dev', { mounts: [{ type: 'bind', source: '/dev', destination: '/dev', readOnly: false }] }, (s) =>
      assert.deepEqual(dests(s), ['/proc', '/sys', '/sys/fs/cgroup', '/dev', ...net])],
    ['a volume has no propagation; rro when supported', {
      rroSupported: true, mounts: [{ type: 'volume', source: '/var/lib/tug/volumes/v/_data', destination: '/data', readOnly: true }],
    }, (s) => assert.deepEqual(find(s, '/data')?.[0].options, ['rbind', 'rro'])],
    ['a non-recursive bind keeps "bind"', { mounts: [{ type: 'bind', source: '/x', destination: '/x', readOnly: false, options: ['bind'] }] }, (s) =>
      assert.deepEqual(find(s, '/x')?.[0].options, ['bind', 'rprivate'])],
    ['user mounts sorted parents first', {
      mounts: [
        { type: 'bind', source: '/h/b', destination: '/a/b', readOnly: false },
        { type: 'bind', source: '/h/a', destination: '/a', readOnly: false },
      ],
    }, (s) => assert.deepEqual(dests(s)?.slice(7), ['/a', '/a/b', '/etc/resolv.conf', '/etc/hostname', '/etc/hosts'])],
    ['an rshared bind makes the rootfs shared', { mounts: [{ type: 'bind', source: '/m', destination: '/m', readOnly: false, propagation: 'rshared' }] }, (s) =>
      assert.equal(s.linux?.rootfsPropagation, 'shared')],
    ['an rslave bind makes the rootfs rslave', { mounts: [{ type: 'bind', source: '/m', destination: '/m', readOnly: false, propagation: 'rslave' }] }, (s) =>
      assert.equal(s.linux?.rootfsPropagation, 'rslave')],
  ];
  for (const [name, over, check] of cases) it(name, () => check(apply(withMounts, over)));
  it('refuses a bad tmpfs option', () => assert.throws(() => apply(withMounts, { tmpfs: { '/run': 'size=1m,bogus=1' } }), {
    name: 'TugError', message: 'invalid tmpfs option "bogus"',
  }));
});

describe('withReadonlyRootfs', () => {
  const s = withReadonlyRootfs(apply(withMounts, { readOnlyRootfs: true }), specInput({ readOnlyRootfs: true }));
  it('marks the root read-only', () => assert.equal(s.root?.readonly, true));
  it('keeps /proc and /dev writable, network files read-only', () => {
    const opts = Object.fromEntries((s.mounts ?? []).map((m) => [m.destination, m.options?.includes('ro') ?? false]));
    assert.deepEqual(opts, {
      '/proc': false, '/dev': false, '/dev/pts': false, '/sys': true, '/sys/fs/cgroup': true, '/dev/mqueue': false,
      '/dev/shm': false, '/etc/resolv.conf': true, '/etc/hostname': true, '/etc/hosts': true,
    });
  });
  it('does nothing for a writable rootfs', () => assert.equal(apply(withReadonlyRootfs), base));
});

describe('withResources', () => {
  const cases: [string, SpecInput['resources'], object][] = [
    ['nothing', {}, {}],
    ['--memory 64m', { memory: 64 << 20 }, { memory: { limit: 67108864 } }],
    ['--memory-swap -1 is not written', { memory: 1e8, memorySwap: -1 }, { memory: { limit: 1e8 } }],
    ['--memory-swap, --memory-reservation, --oom-kill-disable', { memory: 1e8, memorySwap: 2e8, memoryReservation: 5e7, oomKillDisable: true },
      { memory: { limit: 1e8, reservation: 5e7, swap: 2e8, disableOOMKiller: true } }],
    ['--cpus 1.5', { nanoCpus: 1.5e9 }, { cpu: { period: 100000, quota: 150000 } }],
    ['--cpus 0.01', { nanoCpus: 1e7 }, { cpu: { period: 100000, quota: 1000 } }],
    ['--cpu-shares, --cpuset-cpus, --cpuset-mems', { cpuShares: 512, cpusetCpus: '0-1', cpusetMems: '0' }, { cpu: { shares: 512, cpus: '0-1', mems: '0' } }],
    ['--cpu-period/--cpu-quota', { cpuPeriod: 50000, cpuQuota: 25000 }, { cpu: { period: 50000, quota: 25000 } }],
    ['--cpu-rt-period/--cpu-rt-runtime', { cpuRealtimePeriod: 1000000, cpuRealtimeRuntime: 950000 }, { cpu: { realtimePeriod: 1000000, realtimeRuntime: 950000 } }],
    ['--pids-limit 100', { pidsLimit: 100 }, { pids: { limit: 100 } }],
    ['--pids-limit 0 is unlimited', { pidsLimit: 0 }, { pids: { limit: -1 } }],
    ['--blkio-weight 300', { blkioWeight: 300 }, { blockIO: { weight: 300 } }],
    ['--blkio-weight-device, --device-{read,write}-{bps,iops}',
      { blkioWeightDevices: [{ major: 8, minor: 0, weight: 200 }], throttleReadBps: [{ major: 8, minor: 0, rate: 1048576 }], throttleWriteBps: [{ major: 8, minor: 16, rate: 2048 }],
        throttleReadIOps: [{ major: 254, minor: 0, rate: 100 }], throttleWriteIOps: [{ major: 254, minor: 0, rate: 50 }] },
      { blockIO: { weightDevice: [{ major: 8, minor: 0, weight: 200 }], throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }], throttleWriteBpsDevice: [{ major: 8, minor: 16, rate: 2048 }],
        throttleReadIOPSDevice: [{ major: 254, minor: 0, rate: 100 }], throttleWriteIOPSDevice: [{ major: 254, minor: 0, rate: 50 }] } }],
    ['empty device lists write no blockIO', { throttleReadBps: [], blkioWeightDevices: [] }, {}],
  ];
  for (const [name, resources, want] of cases) {
    it(name, () => {
      const { devices, ...rest } = apply(withResources, { resources }).linux?.resources ?? {};
      assert.equal(devices?.length, 8);
      assert.deepEqual(rest, want);
    });
  }
});

describe('withRlimits', () => {
  const rl = (type: string, soft: number | bigint, hard: number | bigint) => ({ type: `RLIMIT_${type}`, soft, hard });
  const cases: [string, Partial<SpecInput>, object[]][] = [
    ['default nofile capped to the host hard limit', {}, [rl('NOFILE', 20000, 20000)]],
    ['default nofile when the host limit is unknown', { hostRlimits: {} }, [rl('NOFILE', 1048576, 1048576)]],
    ['--ulimit nofile=1024:2048 replaces the default', { ulimits: [{ name: 'nofile', soft: 1024, hard: 2048 }] }, [rl('NOFILE', 1024, 2048)]],
    ['--ulimit nofile above the host is capped', { ulimits: [{ name: 'nofile', soft: 100000, hard: 200000 }] }, [rl('NOFILE', 20000, 20000)]],
    ['--ulimit nproc soft kept, hard capped', { ulimits: [{ name: 'nproc', soft: 50000, hard: 200000 }] },
      [rl('NPROC', 50000, 96365), rl('NOFILE', 20000, 20000)]],
    ['--ulimit core=-1 on a host without a core limit', { ulimits: [{ name: 'core', soft: -1, hard: -1 }] },
      [rl('CORE', RLIM_INFINITY, RLIM_INFINITY), rl('NOFILE', 20000, 20000)]],
    ['host limits keyed RLIMIT_*', { hostRlimits: { RLIMIT_NOFILE: { soft: 1024, hard: 4096 } } }, [rl('NOFILE', 4096, 4096)]],
  ];
  for (const [name, over, want] of cases) it(name, () => assert.deepEqual(apply(withRlimits, over).process?.rlimits, want));
  it('serializes unlimited as the exact uint64', () => {
    const text = serializeSpec(apply(withRlimits, { ulimits: [{ name: 'core', soft: -1, hard: -1 }] }));
    assert.match(text, /"type":"RLIMIT_CORE","hard":18446744073709551615,"soft":18446744073709551615/);
  });
});

describe('withNamespaces and withHostname', () => {
  const types = (s: Spec) => s.linux?.namespaces;
  const cases: [string, Partial<SpecInput>, object[]][] = [
    ['private everything (cgroupns host)', {}, [{ type: 'mount' }, { type: 'network' }, { type: 'uts' }, { type: 'pid' }, { type: 'ipc' }]],
    ['--network host has no network namespace', { network: { mode: 'host' } }, [{ type: 'mount' }, { type: 'uts' }, { type: 'pid' }, { type: 'ipc' }]],
    ['--network none gets an empty one', { network: { mode: 'none' } }, [{ type: 'mount' }, { type: 'network' }, { type: 'uts' }, { type: 'pid' }, { type: 'ipc' }]],
    ['--network container:x joins its namespace', { network: { mode: 'ns', nsPath: '/proc/42/ns/net' } },
      [{ type: 'mount' }, { type: 'network', path: '/proc/42/ns/net' }, { type: 'uts' }, { type: 'pid' }, { type: 'ipc' }]],
    ['--pid host --ipc host --uts host', { pidMode: 'host', ipcMode: 'host', utsMode: 'host' }, [{ type: 'mount' }, { type: 'network' }]],
    ['--cgroupns private', { cgroupnsMode: 'private' },
      [{ type: 'mount' }, { type: 'network' }, { type: 'uts' }, { type: 'pid' }, { type: 'ipc' }, { type: 'cgroup' }]],
  ];
  for (const [name, over, want] of cases) it(name, () => assert.deepEqual(types(apply(withNamespaces, over)), want));
  it('needs a path to join', () => assert.throws(() => apply(withNamespaces, { network: { mode: 'ns' } }), InvalidParameterError));
  it('sets hostname and domainname in a private UTS namespace', () => {
    const s = apply(withHostname, { domainname: 'example.com' });
    assert.deepEqual([s.hostname, s.domainname, s.linux?.sysctl], ['c0ffee', 'example.com', { 'kernel.domainname': 'example.com' }]);
    assert.equal(apply(withHostname, {}).linux?.sysctl, undefined);
  });
  it('keeps a --sysctl kernel.domainname of the user over --domainname', () => {
    const over = { domainname: 'a.com', sysctls: { 'kernel.domainname': 'b.com' } };
    const s = withSysctls(apply(withHostname, over), specInput(over));
    assert.equal(s.linux?.sysctl?.['kernel.domainname'], 'b.com');
  });
  it('sets no hostname with --uts host', () => {
    const s = apply(withHostname, { utsMode: 'host', domainname: 'example.com' });
    assert.deepEqual([s.hostname, s.domainname, s.linux?.sysctl], [undefined, undefined, undefined]);
  });
});

describe('withSysctls', () => {
  const defaults = { 'net.ipv4.ping_group_range': '0 2147483647', 'net.ipv4.ip_unprivileged_port_start': '0' };
  const cases: [string, Partial<SpecInput>, object | undefined][] = [
    ['own network namespace', {}, defaults],
    ['--network none', { network: { mode: 'none' } }, defaults],
    ['--network host', { network: { mode: 'host' } }, undefined],
    ['joined namespace, user sysctl', { network: { mode: 'ns', nsPath: '/p' }, sysctls: { 'kernel.msgmax': '1' } }, { 'kernel.msgmax': '1' }],
    ['user value wins', { sysctls: { 'net.ipv4.ip_unprivileged_port_start': '1024' } }, { ...defaults, 'net.ipv4.ip_unprivileged_port_start': '1024' }],
  ];
  for (const [name, over, want] of cases) it(name, () => assert.deepEqual(apply(withSysctls, over).linux?.sysctl, want));
});

describe('withProcess, withInit, withDevices, withCgroupsPath, withAnnotations', () => {
  it('process basics', () => {
    const s = apply(withProcess, { tty: true, consoleSize: { height: 24, width: 80 }, cwd: '', user: { uid: 1000, gid: 1000, additionalGids: [], umask: 0o22 }, noNewPrivileges: true, apparmor: 'docker-default' });
    assert.deepEqual(s.root, { path: '/var/lib/tug/overlay/c0ffee/merged' });
    assert.deepEqual({ ...s.process, capabilities: undefined }, {
      terminal: true, consoleSize: { height: 24, width: 80 }, user: { uid: 1000, gid: 1000, umask: 0o22 }, args: ['sh'],
      env: specInput().env, cwd: '/', capabilities: undefined, noNewPrivileges: true, apparmorProfile: 'docker-default', oomScoreAdj: 0,
    });
  });
  it('--init prepends docker-init and binds it', () => {
    const s = withInit(apply(withProcess, { args: ['top', '-b'] }), specInput({ init: '/usr/libexec/tug/tini', args: ['top', '-b'] }));
    assert.deepEqual(s.process?.args, ['/sbin/docker-init', '--', 'top', '-b']);
    assert.deepEqual(s.mounts?.at(-1), { destination: '/sbin/docker-init', type: 'bind', source: '/usr/libexec/tug/tini', options: ['bind', 'ro'] });
  });
  it('--init does nothing with --pid host', () => assert.equal(apply(withInit, { init: '/tini', pidMode: 'host' }), base));
  it('--device and --device-cgroup-rule', () => {
    const s = apply(withDevices, {
      devices: [{ pathOnHost: '/dev/fuse', pathInContainer: '/dev/fuse', permissions: 'rw', type: 'c', major: 10, minor: 229, fileMode: 0o20666, uid: 0, gid: 0 }],
      deviceCgroupRules: ['c 42:* rmw'],
    });
    assert.deepEqual(s.linux?.devices, [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }]);
    assert.deepEqual(s.linux?.resources?.devices?.slice(-3), [
      { allow: false, type: 'c', major: 10, minor: 229, access: 'rwm' },
      { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' },
      { allow: true, type: 'c', major: 42, minor: -1, access: 'rmw' },
    ]);
  });
  it('refuses a bad cgroup rule', () => assert.throws(() => apply(withDevices, { deviceCgroupRules: ['x 1:2 r'] }), {
    message: "invalid device cgroup rule format: 'x 1:2 r'",
  }));
  it('cgroups path', () => assert.equal(apply(withCgroupsPath).linux?.cgroupsPath, '/tug/c0ffee'));
  it('annotations', () => assert.deepEqual(apply(withAnnotations, { annotations: { a: 'b' } }).annotations, { a: 'b' }));
});

describe('buildSpec', () => {
  it('builds Docker defaults for a typical container', () => {
    const s = buildSpec(specInput());
    assert.equal(s.ociVersion, '1.1.0');
    assert.deepEqual(s.linux?.maskedPaths, DEFAULT_MASKED_PATHS);
    assert.deepEqual(s.linux?.readonlyPaths, DEFAULT_READONLY_PATHS);
    assert.deepEqual(s.process?.capabilities, caps(DEFAULT_CAPABILITIES));
    assert.equal(s.linux?.seccomp?.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(s.process?.user.additionalGids?.join(), '0,10');
  });
  it('masked and read-only path overrides', () => {
    const s = buildSpec(specInput({ maskedPaths: [], readonlyPaths: ['/proc/sys'] }));
    assert.deepEqual([s.linux?.maskedPaths, s.linux?.readonlyPaths], [[], ['/proc/sys']]);
  });
  it('is pure: neither the input nor any intermediate spec is modified', () => {
    const deepFreeze = <T>(o: T): T => {
      if (o && typeof o === 'object') for (const v of Object.values(o)) deepFreeze(v);
      return Object.freeze(o);
    };
    const input = deepFreeze(specInput({ privileged: false, readOnlyRootfs: true, init: '/tini', tmpfs: { '/run': '' }, ulimits: [{ name: 'nproc', soft: 1, hard: 2 }] }));
    let spec = deepFreeze(defaultSpec());
    for (const opt of SPEC_OPTS) spec = deepFreeze(opt(spec, input));
    assert.deepEqual(spec, buildSpec(input));
  });
});
