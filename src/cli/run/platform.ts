// --platform as docker sends it: containerd's platforms.Parse (with its OS and architecture
// aliases), then "os/arch[/variant]" lower-cased into the create request's query.

import { InvalidParameterError } from '../../errors.js';
import { goQuote } from '../format/gofmt.js';

const KNOWN_OS = ['aix', 'android', 'darwin', 'dragonfly', 'freebsd', 'hurd', 'illumos', 'ios', 'js', 'linux', 'nacl', 'netbsd', 'openbsd', 'plan9', 'solaris', 'windows', 'zos'];
const KNOWN_ARCH = ['386', 'amd64', 'amd64p32', 'arm', 'armbe', 'arm64', 'arm64be', 'ppc64', 'ppc64le', 'loong64', 'mips', 'mipsle', 'mips64', 'mips64le',
  'mips64p32', 'mips64p32le', 'ppc', 'riscv', 'riscv64', 's390', 's390x', 'sparc', 'sparc64', 'wasm'];

const specifierRe = /^[A-Za-z0-9_.-]+$/;
const osAndVersionRe = /^([A-Za-z0-9_-]+)(?:\(([A-Za-z0-9_.-]*)\))?$/;

function normalizeArch(arch: string, variant: string): [string, string] {
  arch = arch.toLowerCase();
  variant = variant.toLowerCase();
  switch (arch) {
    case 'i386': return ['386', ''];
    case 'x86_64': case 'x86-64': case 'amd64': return ['amd64', variant === 'v1' ? '' : variant];
    case 'aarch64': case 'arm64':
      if (['8', 'v8', 'v8.0'].includes(variant)) return ['arm64', ''];
      if (['9', '9.0', 'v9.0'].includes(variant)) return ['arm64', 'v9'];
      return ['arm64', variant];
    case 'armhf': return ['arm', 'v7'];
    case 'armel': return ['arm', 'v6'];
    case 'arm':
      if (variant === '' || variant === '7') return ['arm', 'v7'];
      if (['5', '6', '8'].includes(variant)) return ['arm', `v${variant}`];
      return ['arm', variant];
    default: return [arch, variant];
  }
}

/** Node's process.arch in Go's GOARCH words. */
export function goArch(nodeArch: string): string {
  const map: Record<string, string> = { x64: 'amd64', ia32: '386', arm: 'arm', arm64: 'arm64', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };
  return map[nodeArch] ?? nodeArch;
}

/**
 * The platform query parameter for a --platform value ("linux/ARM64" → "linux/arm64",
 * "arm64" → "linux/arm64", "linux" → "linux/<client arch>"). clientArch is in GOARCH terms.
 */
export function normalizePlatform(specifier: string, clientArch: string): string {
  const fail = (why: string) => new InvalidParameterError(`error parsing specified platform: ${why}: invalid argument`);
  if (specifier.includes('*')) throw fail(`${goQuote(specifier)}: wildcards not yet supported`);
  const parts = specifier.split('/');
  if (parts.length > 4) parts.splice(3, parts.length - 3, parts.slice(3).join('/'));
  const m = osAndVersionRe.exec(parts[0]);
  if (!m) {
    throw fail(`${goQuote(parts[0])} is an invalid OS component of ${goQuote(specifier)}: OSAndVersion specifier component must match ${goQuote(osAndVersionRe.source)}`);
  }
  for (const part of parts.slice(1)) {
    if (!specifierRe.test(part)) {
      throw fail(`${goQuote(part)} is an invalid component of ${goQuote(specifier)}: platform specifier component must match ${goQuote(specifierRe.source)}`);
    }
  }
  let os = m[1].toLowerCase();
  if (os === 'macos') os = 'darwin';
  let arch: string;
  let variant: string;
  switch (parts.length) {
    case 1:
      if (KNOWN_OS.includes(os)) {
        [arch, variant] = [clientArch, ''];
        break;
      }
      [arch, variant] = normalizeArch(parts[0], '');
      if (arch === 'arm' && variant === 'v7') variant = '';
      if (!KNOWN_ARCH.includes(arch)) throw fail(`${goQuote(specifier)}: unknown operating system or architecture`);
      os = 'linux';
      break;
    case 2:
      [arch, variant] = normalizeArch(parts[1], '');
      if (arch === 'arm' && variant === 'v7') variant = '';
      break;
    case 3:
      [arch, variant] = normalizeArch(parts[1], parts[2]);
      if (arch === 'arm64' && variant === '') variant = 'v8';
      break;
    default:
      throw fail(`${goQuote(specifier)}: cannot parse platform specifier`);
  }
  return [os, arch, variant].filter((p) => p !== '').join('/').toLowerCase();
}
