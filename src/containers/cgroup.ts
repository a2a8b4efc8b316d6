// A container's cgroup as dockerd's cgroupfs driver names it: `<cgroup-parent>/<id>`, the parent
// `/tug` unless `--cgroup-parent` gives another. A parent with a leading slash is under the root of
// each hierarchy; one without is under tugd's own cgroup (runc, started by tugd's conmon, resolves a
// relative path against its own cgroup the same way), as Docker documents for its daemon.
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import type { HostConfig } from '../types/container.js';

export const DEFAULT_CGROUP_PARENT = '/tug';

/** The cgroupsPath given to runc. */
export function cgroupPath(rec: { ID: string; HostConfig: Pick<HostConfig, 'CgroupParent'> }): string {
  return posix.join(rec.HostConfig.CgroupParent || DEFAULT_CGROUP_PARENT, rec.ID);
}

/** Hierarchy (controller list, "" for v2) → this process's cgroup in it, from /proc/self/cgroup. */
export function parseOwnCgroups(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (!m) continue;
    for (const controller of m[1]!.split(',')) out.set(controller, m[2]!);
  }
  return out;
}

let own: Map<string, string> | undefined;

/** Where `path` (a cgroupsPath) is within the hierarchy of `controller` ("" on cgroup v2). */
export function resolveCgroup(path: string, controller: string): string {
  if (path.startsWith('/')) return path;
  own ??= parseOwnCgroups(readFileSync('/proc/self/cgroup', 'utf8'));
  return posix.join(own.get(controller) ?? '/', path);
}
