// RUN: the command in a container of the runtime (the stage's env, user, workdir and shell),
// its output streamed into the build, its upper dir then committed as the step's layer.
import { existsSync, lstatSync, readdirSync, rmSync, rmdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lgetxattr } from '../sys/libc.js';
import type { ContainerService } from '../containers/service.js';
import { readLogs } from '../containers/logs/index.js';
import { TugError, errorMessage } from '../errors.js';
import type { ImageRunConfig } from '../images/types.js';

/**
 * The one place the network of build containers is chosen, as the classic builder takes
 * `--network`: unset or `default` is the default bridge; host, none, NAME and container:X as `run` takes them.
 */
export function buildNetworkMode(requested: string | undefined): string {
  if (requested === undefined || requested === '' || requested === 'default') return 'bridge';
  return requested;
}

export interface RunStep {
  image: string;
  argv: string[];
  config: ImageRunConfig;
  /** ENV plus the build args in scope, as the command sees them. */
  env: string[];
  networkMode: string;
  /** `host:container` bind mounts (RUN --mount=type=cache). */
  binds: string[];
  /** How history and the error name the command (`/bin/sh -c …`). */
  shown: string;
  output: (text: string) => void;
  signal?: AbortSignal;
}

export class RunFailed extends TugError {
  constructor(readonly exitCode: number, shown: string) {
    super('InvalidParameter', `The command '${shown}' returned a non-zero code: ${exitCode}`, 'TUG_BUILD_RUN_FAILED');
  }
}

/** Runs the step; resolves to the (exited, not removed) container's ID for the commit. */
export async function runStep(containers: ContainerService, s: RunStep): Promise<string> {
  const { Id } = await containers.create({
    Image: s.image,
    Cmd: s.argv,
    Entrypoint: [''],
    Env: s.env,
    User: s.config.User ?? '',
    WorkingDir: s.config.WorkingDir ?? '',
    Labels: { 'tug.build.step': 'true' },
    AttachStdout: true,
    AttachStderr: true,
    HostConfig: { NetworkMode: s.networkMode, Binds: s.binds.length ? s.binds : undefined },
  }, undefined);
  s.output(` ---> Running in ${Id.slice(0, 12)}\n`);
  let ok = false;
  try {
    const exited = containers.wait(Id, 'next-exit');
    const onAbort = () => void containers.kill(Id, 'KILL', false).catch(() => undefined);
    s.signal?.addEventListener('abort', onAbort);
    try {
      await containers.start(Id);
      const logs = readLogs(containers.monitorPaths(Id).logPath, { stdout: true, stderr: true, follow: true, stopWhen: exited, signal: s.signal });
      for await (const m of logs) s.output(m.line.toString('utf8'));
      const { StatusCode } = await exited;
      s.signal?.throwIfAborted();
      if (StatusCode !== 0) throw new RunFailed(StatusCode, s.shown);
    } finally {
      s.signal?.removeEventListener('abort', onAbort);
    }
    ok = true;
    return Id;
  } catch (err) {
    if (err instanceof RunFailed) throw err;
    throw new TugError('Internal', `RUN ${s.shown}: ${errorMessage(err)}`, undefined, { cause: err });
  } finally {
    if (!ok) await containers.remove(Id, { force: true }).catch(() => undefined);
  }
}

/** Mount points runc made in the upper dir for a step's binds: not the step's own changes. */
export const STEP_MOUNTPOINTS = ['/etc/hosts', '/etc/hostname', '/etc/resolv.conf'];

/**
 * Removes from `upper` the empty files and directories runc created as mount targets, unless
 * the image already had them (then they are copy-ups the user may have changed).
 */
export function dropMountpoints(upper: string, lowers: string[], targets: string[]): void {
  for (const t of targets) {
    const rel = t.replace(/^\/+/, '');
    const path = join(upper, rel);
    let st;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    const empty = st.isFile() ? st.size === 0 : st.isDirectory() && readdirSync(path).length === 0;
    if (!empty || lowers.some((l) => existsSync(join(l, rel)))) continue;
    rmSync(path, { recursive: true, force: true });
    dropCopiedUpParents(upper, lowers, dirname(rel));
  }
}

/** A parent overlayfs copied up only to hold a mount point: empty, and as it is below. */
function dropCopiedUpParents(upper: string, lowers: string[], rel: string): void {
  for (let dir = rel; dir && dir !== '.'; dir = dirname(dir)) {
    const path = join(upper, dir);
    let st;
    try {
      st = lstatSync(path);
    } catch {
      return;
    }
    if (!st.isDirectory() || readdirSync(path).length > 0 || lgetxattr(path, 'trusted.overlay.opaque')) return;
    const below = lowers.map((l) => join(l, dir)).find((p) => existsSync(p));
    if (!below) return;
    const b = lstatSync(below);
    if (b.mode !== st.mode || b.uid !== st.uid || b.gid !== st.gid) return;
    rmdirSync(path);
  }
}
