// --security-opt (a local seccomp profile is read and sent inline), --cap-add/--cap-drop as
// docker's client normalizes them, and the client-side "systempaths=unconfined" option.

import { InvalidParameterError } from '../../errors.js';
import { goQuote } from '../format/gofmt.js';
import { compactJSON } from './jsoncompact.js';

export interface SecurityOptions {
  securityOpt: string[];
  /** [] when systempaths=unconfined: nothing masked, nothing read-only. */
  maskedPaths?: string[];
  readonlyPaths?: string[];
}

/**
 * docker's parseSecurityOpts and parseSystemPaths. readFile reads a seccomp profile named by
 * path; its errors are reported as Go's os errors would be.
 */
export function parseSecurityOpts(opts: readonly string[], readFile: (path: string) => string): SecurityOptions {
  const out: SecurityOptions = { securityOpt: [] };
  for (const opt of opts) {
    let sep = opt.indexOf('=');
    let key = sep < 0 ? opt : opt.slice(0, sep);
    if (sep < 0 && key !== 'no-new-privileges') {
      sep = opt.indexOf(':');
      key = sep < 0 ? opt : opt.slice(0, sep);
    }
    const value = sep < 0 ? '' : opt.slice(sep + 1);
    // no-new-privileges is the only option that needs no value.
    if ((sep < 0 || value === '') && key !== 'no-new-privileges') {
      throw new InvalidParameterError(`Invalid --security-opt: ${goQuote(opt)}`);
    }
    if (opt === 'systempaths=unconfined') {
      out.maskedPaths = [];
      out.readonlyPaths = [];
      continue;
    }
    if (key === 'seccomp' && value !== 'builtin' && value !== 'unconfined') {
      let text: string;
      try {
        text = readFile(value);
      } catch (err) {
        throw new InvalidParameterError(`opening seccomp profile (${value}) failed: ${goFileError('open', value, err)}`);
      }
      try {
        out.securityOpt.push(`seccomp=${compactJSON(text)}`);
      } catch (err) {
        throw new InvalidParameterError(`compacting json for seccomp profile (${value}) failed: ${(err as Error).message}`);
      }
      continue;
    }
    out.securityOpt.push(opt);
  }
  return out;
}

/** A Node fs error as Go's *PathError prints it: "open /x: no such file or directory". */
export function goFileError(op: string, path: string, err: unknown): string {
  const texts: Record<string, string> = {
    ENOENT: 'no such file or directory',
    EACCES: 'permission denied',
    EISDIR: 'is a directory',
    ENOTDIR: 'not a directory',
    ELOOP: 'too many levels of symbolic links',
  };
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  const why = (code && texts[code]) ?? (err instanceof Error ? err.message : String(err));
  return `${code === 'EISDIR' ? 'read' : op} ${path}: ${why}`;
}

/** docker's client normalization: upper-case, "CAP_" prefixed (except ALL), unique, sorted. */
export function normalizeCapabilities(caps: readonly string[] | undefined): string[] | undefined {
  if (!caps || caps.length === 0) return undefined;
  const out = new Set<string>();
  for (let c of caps) {
    c = c.toUpperCase();
    out.add(c === 'ALL' || c.startsWith('CAP_') ? c : `CAP_${c}`);
  }
  return [...out].sort();
}
