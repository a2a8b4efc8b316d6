// buildSpec's output run for real by runc (root only): a busybox rootfs, config.json from a
// typical input, then the same with limits, a read-only rootfs and dropped capabilities, then
// privileged. Everything made here (bundles, runc state, cgroups) is removed afterwards.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { buildSpec, capsFromMask, parseProcLimits, serializeSpec } from '../../src/runtime/spec/index.js';
import type { SpecInput } from '../../src/runtime/spec/index.js';
import { specInput } from './spec-fixture.js';

const RUNC = ['/usr/sbin/runc', '/usr/bin/runc', '/usr/local/sbin/runc', '/usr/local/bin/runc'].find((p) => existsSync(p));
const BUSYBOX = '/bin/busybox';

/** True when the ELF file has no program interpreter, i.e. runs in an empty rootfs. */
function isStatic(path: string): boolean {
  const elf = readFileSync(path);
  if (elf.readUInt32BE(0) !== 0x7f454c46 || elf[4] !== 2) return false;
  const phoff = Number(elf.readBigUInt64LE(0x20));
  const phentsize = elf.readUInt16LE(0x36);
  const phnum = elf.readUInt16LE(0x38);
  for (let i = 0; i < phnum; i++) if (elf.readUInt32LE(phoff + i * phentsize) === 3) return false;
  return true;
}

const skip = process.getuid?.() !== 0 ? 'needs root'
  : !RUNC ? 'needs runc (apt-get install runc)'
    : !existsSync(BUSYBOX) || !isStatic(BUSYBOX) ? 'needs a static /bin/busybox (apt-get install busybox-static)'
      : false;

const work = skip ? '' : mkdtempSync('/tmp/tug-spec-runc-');
const state = join(work, 'state');
const made: string[] = [];
after(() => {
  if (skip) return;
  for (const id of made) spawnSync(RUNC as string, ['--root', state, 'delete', '--force', id], { stdio: 'ignore' });
  rmSync(work, { recursive: true, force: true });
});

const hostLimits = skip ? {} : parseProcLimits(readFileSync('/proc/self/limits', 'utf8'));
const hostCapMask = skip ? '' : (/^CapBnd:\s*(\S+)/m.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '');

let counter = 0;
/** Makes a bundle for `over`, runs it with `runc run`, and returns its output and exit status. */
function run(over: Partial<SpecInput>): { stdout: string; stderr: string; status: number | null } {
  const id = `tug-spec-${process.pid}-${counter++}`;
  const bundle = join(work, id);
  const rootfs = join(bundle, 'rootfs');
  for (const dir of ['bin', 'proc', 'dev', 'sys', 'etc', 'tmp', 'run']) mkdirSync(join(rootfs, dir), { recursive: true });
  copyFileSync(BUSYBOX, join(rootfs, 'bin/busybox'));
  symlinkSync('busybox', join(rootfs, 'bin/sh'));
  writeFileSync(join(bundle, 'hosts'), '127.0.0.1\tlocalhost\n');
  writeFileSync(join(bundle, 'hostname'), 'spectest\n');
  writeFileSync(join(bundle, 'resolv.conf'), 'nameserver 127.0.0.1\n');
  const input = specInput({
    id, rootfs, hostname: 'spectest', env: ['PATH=/bin', 'HOSTNAME=spectest'],
    cgroupsPath: `/${id}`, hostRlimits: hostLimits, availableCaps: capsFromMask(hostCapMask),
    hostsFile: join(bundle, 'hosts'), hostnameFile: join(bundle, 'hostname'), resolvConfFile: join(bundle, 'resolv.conf'),
    ...over,
  });
  writeFileSync(join(bundle, 'config.json'), serializeSpec(buildSpec(input)));
  made.push(id);
  const r = spawnSync(RUNC as string, ['--root', state, 'run', '--bundle', bundle, id], { encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status };
}

describe('runc runs the spec', { skip }, () => {
  it('a typical container: stdout and exit code come through', () => {
    const r = run({ args: ['/bin/sh', '-c', 'echo ok; exit 3'] });
    assert.equal(r.stderr, '');
    assert.equal(r.stdout, 'ok\n');
    assert.equal(r.status, 3);
  });

  it('limits, no-new-privileges, read-only rootfs, one capability', () => {
    const script = [
      'echo mem=$(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max)',
      'echo pids=$(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max)',
      'echo quota=$(cat /sys/fs/cgroup/cpu/cpu.cfs_quota_us 2>/dev/null || cut -d" " -f1 /sys/fs/cgroup/cpu.max)',
      "grep -E '^(NoNewPrivs|Seccomp|CapEff):' /proc/self/status | tr -d '\\t'",
      'echo nofile=$(ulimit -n)',
      'touch /file 2>/dev/null && echo rootfs=rw || echo rootfs=ro',
      'touch /run/file && echo run=rw',
      'unshare -u true 2>/dev/null && echo unshare=yes || echo unshare=no',
      'echo interrupts=$(wc -c < /proc/interrupts)',
      'echo host=$(hostname) file=$(cat /etc/hostname)',
    ].join('\n');
    const r = run({
      args: ['/bin/sh', '-c', script], noNewPrivileges: true, readOnlyRootfs: true, capDrop: ['ALL'], capAdd: ['CHOWN'],
      resources: { memory: 64 << 20, pidsLimit: 32, nanoCpus: 0.5e9 }, tmpfs: { '/run': 'rw,size=1m' },
      ulimits: [{ name: 'nofile', soft: 10_000_000, hard: 10_000_000 }],
    });
    assert.equal(r.stderr, '');
    assert.equal(r.status, 0);
    const nofile = Math.min(10_000_000, hostLimits.nofile?.hard ?? Infinity);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'mem=67108864', 'pids=32', 'quota=50000', 'CapEff:0000000000000001', 'NoNewPrivs:1', 'Seccomp:2', `nofile=${nofile}`,
      'rootfs=ro', 'run=rw', 'unshare=no', 'interrupts=0', 'host=spectest file=spectest',
    ]);
  });

  it('--device /dev/zero:/dev/zero2 is created and allowed', () => {
    const st = statSync('/dev/zero');
    const major = Number((st.rdev >> 8) & 0xfff);
    const minor = Number((st.rdev & 0xff) | ((st.rdev >> 12) & 0xfff00));
    const r = run({
      args: ['/bin/sh', '-c', 'head -c 5 /dev/zero2 | wc -c; ls -l /dev/zero2 | cut -c1-10'],
      devices: [{ pathOnHost: '/dev/zero', pathInContainer: '/dev/zero2', permissions: 'rwm', type: 'c', major, minor, fileMode: st.mode, uid: st.uid, gid: st.gid }],
    });
    assert.equal(r.stderr, '');
    assert.deepEqual(r.stdout.trim().split('\n'), ['5', 'crw-rw-rw-']);
  });

  it('privileged: every capability the host has, no seccomp', () => {
    const r = run({ privileged: true, args: ['/bin/sh', '-c', "grep -E '^(Seccomp|CapEff):' /proc/self/status | tr -d '\\t'"] });
    assert.equal(r.stderr, '');
    assert.deepEqual(r.stdout.trim().split('\n'), [`CapEff:${hostCapMask}`, 'Seccomp:0']);
  });
});
