// Docker's default seccomp profile (moby/profiles seccomp v0.2.3) as data, and the filter that
// turns a profile in Docker's JSON format into the OCI `linux.seccomp` section for one
// container: rules are kept or dropped by the container's bounding capabilities, the CPU
// architecture and the kernel version.

import { InvalidParameterError } from '../../errors.js';
import type { Seccomp, SeccompAction, SeccompArg, SeccompSyscall } from './types.js';

/** A rule applies only if all of `includes` hold and none of `excludes` does. */
export interface SeccompCondition {
  caps?: string[];
  /** libseccomp's native names: "amd64", "x86", "x32", "arm64", "arm", "s390x", … */
  arches?: string[];
  /** "4.8": kernel.major at least. */
  minKernel?: string;
}

export interface SeccompProfileRule extends Omit<SeccompSyscall, 'names' | 'args'> {
  names?: string[];
  /** The older single-name form. */
  name?: string;
  args?: SeccompArg[] | null;
  comment?: string;
  includes?: SeccompCondition;
  excludes?: SeccompCondition;
}

export interface SeccompArchMap {
  architecture: string;
  subArchitectures: string[] | null;
}

/** A seccomp profile as `docker run --security-opt seccomp=profile.json` reads it. */
export interface SeccompProfile extends Omit<Seccomp, 'syscalls'> {
  archMap?: SeccompArchMap[];
  syscalls?: SeccompProfileRule[] | null;
}

export interface SeccompContext {
  /** The container's bounding capabilities ("CAP_SYS_ADMIN", …). */
  capabilities: readonly string[];
  /** Node's process.arch or Go's GOARCH. */
  arch: string;
  /** `uname -r`; when absent every minKernel rule counts as met. */
  kernelVersion?: string;
  /**
   * Architectures this kernel cannot run (x32 without CONFIG_X86_X32_ABI): left out of the
   * filter, since runc compiles every listed one on each create (x32 alone costs ~5 ms).
   */
  kernelLacks?: readonly string[];
}

const words = (s: string): string[] => s.trim().split(/\s+/);

const ALLOW: SeccompAction = 'SCMP_ACT_ALLOW';

/** Allowed for every container, whatever its capabilities. */
const BASE_SYSCALLS = words(`
  accept accept4 access adjtimex alarm bind brk cachestat capget capset chdir chmod chown chown32
  clock_adjtime clock_adjtime64 clock_getres clock_getres_time64 clock_gettime clock_gettime64
  clock_nanosleep clock_nanosleep_time64 close close_range connect copy_file_range creat dup dup2 dup3
  epoll_create epoll_create1 epoll_ctl epoll_ctl_old epoll_pwait epoll_pwait2 epoll_wait epoll_wait_old
  eventfd eventfd2 execve execveat exit exit_group
  faccessat faccessat2 fadvise64 fadvise64_64 fallocate fanotify_mark fchdir fchmod fchmodat fchmodat2
  fchown fchown32 fchownat fcntl fcntl64 fdatasync fgetxattr flistxattr flock fork fremovexattr
  fsetxattr fstat fstat64 fstatat64 fstatfs fstatfs64 fsync ftruncate ftruncate64 futex futex_requeue
  futex_time64 futex_wait futex_waitv futex_wake futimesat
  getcpu getcwd getdents getdents64 getegid getegid32 geteuid geteuid32 getgid getgid32 getgroups
  getgroups32 getitimer getpeername getpgid getpgrp getpid getppid getpriority getrandom getresgid
  getresgid32 getresuid getresuid32 getrlimit get_robust_list getrusage getsid getsockname getsockopt
  get_thread_area gettid gettimeofday getuid getuid32 getxattr getxattrat
  inotify_add_watch inotify_init inotify_init1 inotify_rm_watch io_cancel ioctl io_destroy
  io_getevents io_pgetevents io_pgetevents_time64 ioprio_get ioprio_set io_setup io_submit ipc kill
  landlock_add_rule landlock_create_ruleset landlock_restrict_self lchown lchown32 lgetxattr link
  linkat listen listmount listxattr listxattrat llistxattr _llseek lremovexattr lseek lsetxattr lstat
  lstat64 madvise map_shadow_stack membarrier memfd_create memfd_secret mincore mkdir mkdirat mknod
  mknodat mlock mlock2 mlockall mmap mmap2 mprotect mq_getsetattr mq_notify mq_open mq_timedreceive
  mq_timedreceive_time64 mq_timedsend mq_timedsend_time64 mq_unlink mremap mseal msgctl msgget msgrcv
  msgsnd msync munlock munlockall munmap name_to_handle_at nanosleep newfstatat _newselect
  open openat openat2 pause pidfd_open pidfd_send_signal pipe pipe2 pkey_alloc pkey_free pkey_mprotect
  poll ppoll ppoll_time64 prctl pread64 preadv preadv2 prlimit64 process_mrelease pselect6
  pselect6_time64 pwrite64 pwritev pwritev2
  read readahead readlink readlinkat readv recv recvfrom recvmmsg recvmmsg_time64 recvmsg
  remap_file_pages removexattr removexattrat rename renameat renameat2 restart_syscall riscv_hwprobe
  rmdir rseq rt_sigaction rt_sigpending rt_sigprocmask rt_sigqueueinfo rt_sigreturn rt_sigsuspend
  rt_sigtimedwait rt_sigtimedwait_time64 rt_tgsigqueueinfo
  sched_getaffinity sched_getattr sched_getparam sched_get_priority_max sched_get_priority_min
  sched_getscheduler sched_rr_get_interval sched_rr_get_interval_time64 sched_setaffinity
  sched_setattr sched_setparam sched_setscheduler sched_yield seccomp select semctl semget semop
  semtimedop semtimedop_time64 send sendfile sendfile64 sendmmsg sendmsg sendto setfsgid setfsgid32
  setfsuid setfsuid32 setgid setgid32 setgroups setgroups32 setitimer setpgid setpriority setregid
  setregid32 setresgid setresgid32 setresuid setresuid32 setreuid setreuid32 setrlimit
  set_robust_list setsid setsockopt set_thread_area set_tid_address setuid setuid32 setxattr
  setxattrat shmat shmctl shmdt shmget shutdown sigaltstack signalfd signalfd4 sigprocmask sigreturn
  socketcall socketpair splice stat stat64 statfs statfs64 statmount statx symlink symlinkat sync
  sync_file_range syncfs sysinfo
  tee tgkill time timer_create timer_delete timer_getoverrun timer_gettime timer_gettime64
  timer_settime timer_settime64 timerfd_create timerfd_gettime timerfd_gettime64 timerfd_settime
  timerfd_settime64 times tkill truncate truncate64 ugetrlimit umask uname unlink unlinkat uretprobe
  utime utimensat utimensat_time64 utimes vfork vmsplice wait4 waitid waitpid write writev
`);

const AF_ALG = 38;
const AF_VSOCK = 40;
/** CLONE_NEWNS|NEWCGROUP|NEWUTS|NEWIPC|NEWUSER|NEWPID|NEWNET: clone may not make namespaces without CAP_SYS_ADMIN. */
const CLONE_NAMESPACE_FLAGS = 0x7e020000;
const ENOSYS = 38;

const arg = (index: number, op: SeccompArg['op'], value: number): SeccompArg => ({ index, value, op });

/** An allow rule for the names in `list`, optionally conditioned. */
function allow(list: string, more: Omit<SeccompProfileRule, 'action' | 'names'> = {}): SeccompProfileRule {
  return { names: words(list), action: ALLOW, ...more };
}
const withCap = (cap: string, list: string): SeccompProfileRule => allow(list, { includes: { caps: [cap] } });
const onArch = (arches: string[], list: string): SeccompProfileRule => allow(list, { includes: { arches } });

/** personality(2) personas a container may switch to: Linux, Linux32, and their UNAME26 forms, plus a query. */
const PERSONAS = [0x0, 0x0008, 0x20000, 0x20008, 0xffffffff];

const DEFAULT_RULES: SeccompProfileRule[] = [
  { names: BASE_SYSCALLS, action: ALLOW },
  allow('process_vm_readv process_vm_writev ptrace', { includes: { minKernel: '4.8' } }),
  // Every socket family but AF_ALG (38) and AF_VSOCK (40).
  allow('socket', { args: [arg(0, 'SCMP_CMP_LT', AF_ALG)] }),
  allow('socket', { args: [arg(0, 'SCMP_CMP_EQ', AF_ALG + 1)] }),
  allow('socket', { args: [arg(0, 'SCMP_CMP_GT', AF_VSOCK)] }),
  ...PERSONAS.map((p) => allow('personality', { args: [arg(0, 'SCMP_CMP_EQ', p)] })),
  onArch(['ppc64le'], 'sync_file_range2 swapcontext'),
  onArch(['arm', 'arm64'], 'arm_fadvise64_64 arm_sync_file_range sync_file_range2 breakpoint cacheflush set_tls'),
  onArch(['amd64', 'x32'], 'arch_prctl'),
  onArch(['amd64', 'x32', 'x86'], 'modify_ldt'),
  onArch(['s390', 's390x'], 's390_pci_mmio_read s390_pci_mmio_write s390_runtime_instr'),
  onArch(['riscv64'], 'riscv_flush_icache'),
  withCap('CAP_DAC_READ_SEARCH', 'open_by_handle_at'),
  withCap('CAP_SYS_ADMIN', `
    bpf clone clone3 fanotify_init fsconfig fsmount fsopen fspick lookup_dcookie lsm_get_self_attr
    lsm_list_modules lsm_set_self_attr mount mount_setattr move_mount open_tree perf_event_open
    quotactl quotactl_fd setdomainname sethostname setns syslog umount umount2 unshare`),
  allow('clone', {
    args: [arg(0, 'SCMP_CMP_MASKED_EQ', CLONE_NAMESPACE_FLAGS)],
    excludes: { caps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x'] },
  }),
  allow('clone', {
    args: [arg(1, 'SCMP_CMP_MASKED_EQ', CLONE_NAMESPACE_FLAGS)],
    comment: 's390 parameter ordering for clone is different',
    includes: { arches: ['s390', 's390x'] },
    excludes: { caps: ['CAP_SYS_ADMIN'] },
  }),
  // clone3 passes its flags in memory seccomp cannot read: ENOSYS makes libc fall back to clone.
  { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS, excludes: { caps: ['CAP_SYS_ADMIN'] } },
  withCap('CAP_SYS_BOOT', 'reboot'),
  withCap('CAP_SYS_CHROOT', 'chroot'),
  withCap('CAP_SYS_MODULE', 'delete_module init_module finit_module'),
  withCap('CAP_SYS_PACCT', 'acct'),
  withCap('CAP_SYS_PTRACE', 'kcmp pidfd_getfd process_madvise process_vm_readv process_vm_writev ptrace'),
  withCap('CAP_SYS_RAWIO', 'iopl ioperm'),
  withCap('CAP_SYS_TIME', 'settimeofday stime clock_settime clock_settime64'),
  withCap('CAP_SYS_TTY_CONFIG', 'vhangup'),
  withCap('CAP_SYS_NICE', 'get_mempolicy mbind set_mempolicy set_mempolicy_home_node'),
  withCap('CAP_SYSLOG', 'syslog'),
  withCap('CAP_BPF', 'bpf'),
  withCap('CAP_PERFMON', 'perf_event_open'),
];

const ARCH_MAP: SeccompArchMap[] = [
  { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
  { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  { architecture: 'SCMP_ARCH_MIPS64', subArchitectures: ['SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64N32'] },
  { architecture: 'SCMP_ARCH_MIPS64N32', subArchitectures: ['SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64'] },
  { architecture: 'SCMP_ARCH_MIPSEL64', subArchitectures: ['SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64N32'] },
  { architecture: 'SCMP_ARCH_MIPSEL64N32', subArchitectures: ['SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64'] },
  { architecture: 'SCMP_ARCH_S390X', subArchitectures: ['SCMP_ARCH_S390'] },
  { architecture: 'SCMP_ARCH_RISCV64', subArchitectures: null },
  { architecture: 'SCMP_ARCH_LOONGARCH64', subArchitectures: null },
];

/** Docker's default profile: deny with EPERM unless a rule allows. A fresh copy each call. */
export function defaultSeccompProfile(): SeccompProfile {
  return structuredClone({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    archMap: ARCH_MAP,
    syscalls: DEFAULT_RULES,
  } satisfies SeccompProfile);
}

/** Node's process.arch or Go's GOARCH → libseccomp's native name, as the profile's `arches` use. */
const NATIVE_ARCH: Record<string, string> = {
  x64: 'amd64', amd64: 'amd64', ia32: 'x86', '386': 'x86', x86: 'x86',
  arm64: 'arm64', arm: 'arm', ppc64: 'ppc64le', ppc64le: 'ppc64le', ppc: 'ppc',
  s390x: 's390x', s390: 's390', riscv64: 'riscv64', loong64: 'loong64',
  mips64el: 'mipsel64', mips64le: 'mipsel64', mips64: 'mips64', mipsel: 'mipsle', mipsle: 'mipsle',
};

const SECCOMP_ARCH: Record<string, string> = {
  x86: 'SCMP_ARCH_X86', amd64: 'SCMP_ARCH_X86_64', arm: 'SCMP_ARCH_ARM', arm64: 'SCMP_ARCH_AARCH64',
  loong64: 'SCMP_ARCH_LOONGARCH64', mips64: 'SCMP_ARCH_MIPS64', mipsel64: 'SCMP_ARCH_MIPSEL64',
  mipsle: 'SCMP_ARCH_MIPSEL', ppc: 'SCMP_ARCH_PPC', ppc64le: 'SCMP_ARCH_PPC64LE',
  riscv64: 'SCMP_ARCH_RISCV64', s390: 'SCMP_ARCH_S390', s390x: 'SCMP_ARCH_S390X',
};

export function nativeArch(arch: string): string {
  return NATIVE_ARCH[arch] ?? arch;
}

function parseKernel(release: string): [number, number] {
  const m = /^(\d+)\.(\d+)/.exec(release);
  if (!m) throw new InvalidParameterError(`failed to parse kernel version "${release}"`);
  return [Number(m[1]), Number(m[2])];
}

function kernelAtLeast(ctx: SeccompContext, min: string): boolean {
  if (ctx.kernelVersion === undefined) return true;
  const [have, want] = [parseKernel(ctx.kernelVersion), parseKernel(min)];
  return have[0] > want[0] || (have[0] === want[0] && have[1] >= want[1]);
}

function ruleApplies(rule: SeccompProfileRule, arch: string, ctx: SeccompContext): boolean {
  const ex = rule.excludes;
  if (ex) {
    if (ex.arches?.includes(arch)) return false;
    if (ex.caps?.some((c) => ctx.capabilities.includes(c))) return false;
    if (ex.minKernel !== undefined && kernelAtLeast(ctx, ex.minKernel)) return false;
  }
  const inc = rule.includes;
  if (inc) {
    if (inc.arches?.length && !inc.arches.includes(arch)) return false;
    if (inc.caps?.some((c) => !ctx.capabilities.includes(c))) return false;
    if (inc.minKernel !== undefined && !kernelAtLeast(ctx, inc.minKernel)) return false;
  }
  return true;
}

function toSyscall(rule: SeccompProfileRule): SeccompSyscall {
  if (rule.name && rule.names?.length) {
    throw new InvalidParameterError("both 'name' and 'names' are specified in the seccomp profile, use either 'name' or 'names'");
  }
  const out: SeccompSyscall = { names: rule.name ? [rule.name] : [...(rule.names ?? [])], action: rule.action };
  if (rule.errnoRet !== undefined) out.errnoRet = rule.errnoRet;
  if (rule.args?.length) out.args = rule.args.map((a) => ({ ...a }));
  return out;
}

/**
 * The OCI section for a profile, or undefined when the profile disables seccomp (no default
 * action and no rules), as moby's setupSeccomp does.
 */
export function seccompFromProfile(profile: SeccompProfile, ctx: SeccompContext): Seccomp | undefined {
  if (!profile.defaultAction && !profile.syscalls?.length) return undefined;
  if (profile.architectures?.length && profile.archMap?.length) {
    throw new InvalidParameterError("both 'architectures' and 'archMap' are specified in the seccomp profile, use either 'architectures' or 'archMap'");
  }
  const arch = nativeArch(ctx.arch);
  const out: Seccomp = { defaultAction: profile.defaultAction };
  if (profile.defaultErrnoRet !== undefined) out.defaultErrnoRet = profile.defaultErrnoRet;
  const architectures = [...(profile.architectures ?? [])];
  const mapped = profile.archMap?.find((m) => m.architecture === SECCOMP_ARCH[arch]);
  if (mapped) architectures.push(mapped.architecture, ...(mapped.subArchitectures ?? []).filter((a) => !ctx.kernelLacks?.includes(a)));
  if (architectures.length) out.architectures = architectures;
  if (profile.flags?.length) out.flags = [...profile.flags];
  if (profile.listenerPath) out.listenerPath = profile.listenerPath;
  if (profile.listenerMetadata) out.listenerMetadata = profile.listenerMetadata;
  const syscalls = (profile.syscalls ?? []).filter((r) => ruleApplies(r, arch, ctx)).map(toSyscall);
  if (syscalls.length) out.syscalls = syscalls;
  return out;
}

/** Whether `seccomp` lets a syscall through unconditionally (no argument checks): for tests and `tug info`. */
export function allowsSyscall(seccomp: Seccomp, name: string): boolean {
  const rules = (seccomp.syscalls ?? []).filter((s) => s.names.includes(name));
  if (rules.some((r) => r.action === 'SCMP_ACT_ALLOW' && !r.args?.length)) return true;
  return rules.length === 0 && seccomp.defaultAction === 'SCMP_ACT_ALLOW';
}
