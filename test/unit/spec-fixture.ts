// A typical, fully resolved SpecInput for the spec tests: `docker run busybox sh` on a bridge network.
import type { SpecInput } from '../../src/runtime/spec/index.js';

export function specInput(over: Partial<SpecInput> = {}): SpecInput {
  return {
    id: 'c0ffee',
    rootfs: '/var/lib/tug/overlay/c0ffee/merged',
    args: ['sh'],
    env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=c0ffee'],
    cwd: '/',
    user: { uid: 0, gid: 0, additionalGids: [0, 10] },
    hostname: 'c0ffee',
    tty: false,
    openStdin: false,
    readOnlyRootfs: false,
    privileged: false,
    capAdd: [],
    capDrop: [],
    noNewPrivileges: false,
    seccomp: 'default',
    arch: 'x64',
    network: { mode: 'private' },
    pidMode: 'private',
    ipcMode: 'private',
    utsMode: 'private',
    cgroupsPath: '/tug/c0ffee',
    resources: {},
    ulimits: [],
    hostRlimits: { nofile: { soft: 1024, hard: 20000 }, nproc: { soft: 96365, hard: 96365 }, core: { soft: 0, hard: Infinity } },
    devices: [],
    tmpfs: {},
    mounts: [],
    hostsFile: '/var/lib/tug/containers/c0ffee/hosts',
    hostnameFile: '/var/lib/tug/containers/c0ffee/hostname',
    resolvConfFile: '/var/lib/tug/containers/c0ffee/resolv.conf',
    sysctls: {},
    ...over,
  };
}
