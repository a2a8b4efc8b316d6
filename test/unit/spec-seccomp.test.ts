// Docker's default seccomp profile as tug builds it: what a shell needs is allowed, dangerous
// calls are not, capabilities and architecture select the conditional rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  allowsSyscall, buildSpec, DEFAULT_CAPABILITIES, defaultSeccompProfile, seccompFromProfile,
} from '../../src/runtime/spec/index.js';
import type { Seccomp, SpecInput } from '../../src/runtime/spec/index.js';
import { specInput } from './spec-fixture.js';
import { lackingArchitectures } from '../../src/containers/runspec.js';

const seccompOf = (over: Partial<SpecInput> = {}): Seccomp => {
  const s = buildSpec(specInput(over)).linux?.seccomp;
  assert.ok(s, 'expected a seccomp section');
  return s;
};
const rulesFor = (s: Seccomp, name: string) => (s.syscalls ?? []).filter((r) => r.names.includes(name));

describe('default seccomp profile', () => {
  const s = seccompOf();
  it('denies by default with EPERM on x86_64, x86 and x32', () => {
    assert.equal(s.defaultAction, 'SCMP_ACT_ERRNO');
    assert.equal(s.defaultErrnoRet, 1);
    assert.deepEqual(s.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  });
  const allowed = ['read', 'write', 'execve', 'openat', 'fork', 'vfork', 'wait4', 'exit_group', 'rt_sigaction', 'mmap', 'brk',
    'getdents64', 'newfstatat', 'ioctl', 'pipe2', 'dup2', 'chdir', 'arch_prctl', 'modify_ldt', 'ptrace', 'chroot', 'setuid', 'kill'];
  for (const name of allowed) it(`allows ${name}`, () => assert.ok(allowsSyscall(s, name)));
  const denied = ['kexec_load', 'mount', 'umount2', 'unshare', 'setns', 'reboot', 'init_module', 'bpf', 'perf_event_open',
    'settimeofday', 'open_by_handle_at', 'keyctl', 'add_key', 'swapon', 'pivot_root', 'acct', 'iopl', 'userfaultfd'];
  for (const name of denied) it(`denies ${name}`, () => assert.equal(rulesFor(s, name).length, 0));
  it('allows clone only without namespace flags', () => {
    assert.deepEqual(rulesFor(s, 'clone'), [{ names: ['clone'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 0x7e020000, op: 'SCMP_CMP_MASKED_EQ' }] }]);
  });
  it('answers clone3 with ENOSYS so libc falls back to clone', () => {
    assert.deepEqual(rulesFor(s, 'clone3'), [{ names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 }]);
  });
  it('allows socket for every family but AF_ALG and AF_VSOCK', () => {
    assert.deepEqual(rulesFor(s, 'socket').map((r) => r.args), [
      [{ index: 0, value: 38, op: 'SCMP_CMP_LT' }], [{ index: 0, value: 39, op: 'SCMP_CMP_EQ' }], [{ index: 0, value: 40, op: 'SCMP_CMP_GT' }],
    ]);
  });
  it('allows personality only for the safe personas', () => {
    assert.deepEqual(rulesFor(s, 'personality').map((r) => r.args?.[0].value), [0, 8, 0x20000, 0x20008, 0xffffffff]);
  });
  it('has no rules for other architectures or absent capabilities', () => {
    for (const name of ['s390_runtime_instr', 'cacheflush', 'riscv_flush_icache', 'syslog', 'vhangup', 'mbind']) {
      assert.equal(rulesFor(s, name).length, 0, name);
    }
  });
});

describe('seccomp follows the capabilities', () => {
  it('CAP_SYS_ADMIN unlocks mount, unshare, setns and a plain clone/clone3', () => {
    const s = seccompOf({ capAdd: ['SYS_ADMIN'] });
    for (const name of ['mount', 'umount2', 'unshare', 'setns', 'clone', 'clone3', 'sethostname']) assert.ok(allowsSyscall(s, name), name);
    assert.deepEqual(rulesFor(s, 'clone3').map((r) => r.action), ['SCMP_ACT_ALLOW']);
  });
  it('dropping SYS_CHROOT drops chroot', () => assert.equal(rulesFor(seccompOf({ capDrop: ['SYS_CHROOT'] }), 'chroot').length, 0));
  const capRules: [string, string][] = [
    ['SYS_PTRACE', 'process_madvise'], ['SYS_TIME', 'clock_settime'], ['SYS_MODULE', 'finit_module'], ['SYS_BOOT', 'reboot'],
    ['SYS_NICE', 'set_mempolicy'], ['SYSLOG', 'syslog'], ['BPF', 'bpf'], ['PERFMON', 'perf_event_open'],
    ['DAC_READ_SEARCH', 'open_by_handle_at'], ['SYS_RAWIO', 'iopl'], ['SYS_PACCT', 'acct'], ['SYS_TTY_CONFIG', 'vhangup'],
  ];
  for (const [cap, name] of capRules) it(`CAP_${cap} unlocks ${name}`, () => assert.ok(allowsSyscall(seccompOf({ capAdd: [cap] }), name)));
});

describe('seccompFromProfile', () => {
  const ctx = { capabilities: DEFAULT_CAPABILITIES, arch: 'x64' };
  it('leaves out the sub-architectures the kernel lacks, never the native one', () => {
    const s = seccompFromProfile(defaultSeccompProfile(), { ...ctx, kernelLacks: ['SCMP_ARCH_X32', 'SCMP_ARCH_X86_64'] });
    assert.deepEqual(s?.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86']);
  });
  it('x32 is lacking only where the kernel config says it is not built', () => {
    assert.deepEqual(lackingArchitectures('CONFIG_X86_64=y\n# CONFIG_X86_X32_ABI is not set\n', 'x64'), ['SCMP_ARCH_X32']);
    assert.deepEqual(lackingArchitectures('CONFIG_X86_64=y\nCONFIG_X86_X32_ABI=y\n', 'x64'), []);
    assert.deepEqual(lackingArchitectures('CONFIG_X86_X32=y\n', 'x64'), []);
    assert.deepEqual(lackingArchitectures(undefined, 'x64'), []);
    assert.deepEqual(lackingArchitectures('# CONFIG_X86_X32_ABI is not set\n', 'arm64'), []);
  });
  it('arm64: AArch64 + ARM, arm syscalls, no x86 ones', () => {
    const s = seccompFromProfile(defaultSeccompProfile(), { ...ctx, arch: 'arm64' });
    assert.deepEqual(s?.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
    assert.ok(s && allowsSyscall(s, 'cacheflush'));
    assert.ok(s && !allowsSyscall(s, 'arch_prctl'));
  });
  it('s390x checks clone flags in the second argument', () => {
    const s = seccompFromProfile(defaultSeccompProfile(), { ...ctx, arch: 's390x' });
    assert.deepEqual(s && rulesFor(s, 'clone').map((r) => r.args?.[0].index), [1]);
  });
  it('minKernel: ptrace needs 4.8 without CAP_SYS_PTRACE', () => {
    const old = seccompFromProfile(defaultSeccompProfile(), { ...ctx, kernelVersion: '4.4.0-generic' });
    const now = seccompFromProfile(defaultSeccompProfile(), { ...ctx, kernelVersion: '6.18.44-fc' });
    assert.equal(old && rulesFor(old, 'ptrace').length, 0);
    assert.equal(now && rulesFor(now, 'ptrace').length, 1);
  });
  it('a profile with neither default action nor rules means no seccomp', () => {
    assert.equal(seccompFromProfile({ defaultAction: '' as never }, ctx), undefined);
  });
  it('custom profile: single-name rules, architectures, flags', () => {
    const s = seccompFromProfile({
      defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], flags: ['SECCOMP_FILTER_FLAG_LOG'],
      syscalls: [{ name: 'chmod', action: 'SCMP_ACT_ERRNO', errnoRet: 13 }, { names: ['x'], action: 'SCMP_ACT_KILL', includes: { caps: ['CAP_BPF'] } }],
    }, ctx);
    assert.deepEqual(s, {
      defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64'], flags: ['SECCOMP_FILTER_FLAG_LOG'],
      syscalls: [{ names: ['chmod'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 }],
    });
  });
  it('refuses name and names together, architectures and archMap together', () => {
    assert.throws(() => seccompFromProfile({ defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ name: 'a', names: ['b'], action: 'SCMP_ACT_ALLOW' }] }, ctx),
      { message: "both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'" });
    assert.throws(() => seccompFromProfile({ defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86'], archMap: [{ architecture: 'SCMP_ARCH_X86', subArchitectures: null }] }, ctx),
      { message: "both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'" });
  });
  it('--security-opt seccomp=unconfined', () => assert.equal(buildSpec(specInput({ seccomp: 'unconfined' })).linux?.seccomp, undefined));
  it('returns a fresh profile each time', () => {
    const a = defaultSeccompProfile();
    a.syscalls?.[0].names?.push('kexec_load');
    assert.ok(!defaultSeccompProfile().syscalls?.[0].names?.includes('kexec_load'));
  });
});
