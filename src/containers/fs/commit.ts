// `docker commit`: the container's upper dir becomes one more layer over its image's, and its
// config (already merged with the image's at create) under the `changes` becomes the image's,
// as dockerd's commit merges them. Pure parts first, the image written at the end.
import { applyChanges } from '../../images/changes.js';
import type { ImageService } from '../../images/service.js';
import type { HistoryEntry, ImageConfig, ImageRecord, ImageRunConfig } from '../../images/types.js';
import { tarDirectory } from '../../storage/tardir.js';
import type { ContainerConfig } from '../../types/container.js';
import type { ContainerRecord } from '../types.js';
import { mountPointPaths } from './changes.js';

export interface CommitOptions {
  /** Normalised reference to tag, if any. */
  tag?: string;
  comment?: string;
  author?: string;
  changes?: string[];
  /** The request body's config, when it set any field: its fields win over the container's. */
  config?: ImageRunConfig;
}

const envKey = (e: string): string => e.split('=')[0] ?? '';

/** The image-config part of a container's config. */
export function runConfigOf(c: ContainerConfig): ImageRunConfig {
  const out: ImageRunConfig = {};
  if (c.User) out.User = c.User;
  if (c.ExposedPorts && Object.keys(c.ExposedPorts).length) out.ExposedPorts = c.ExposedPorts;
  if (c.Env?.length) out.Env = [...c.Env];
  if (c.Entrypoint !== undefined) out.Entrypoint = c.Entrypoint;
  if (c.Cmd !== undefined) out.Cmd = c.Cmd;
  if (c.ArgsEscaped) out.ArgsEscaped = true;
  if (c.Volumes && Object.keys(c.Volumes).length) out.Volumes = c.Volumes;
  if (c.WorkingDir) out.WorkingDir = c.WorkingDir;
  if (c.Labels && Object.keys(c.Labels).length) out.Labels = { ...c.Labels };
  if (c.StopSignal) out.StopSignal = c.StopSignal;
  if (c.Healthcheck) out.Healthcheck = c.Healthcheck;
  if (c.OnBuild?.length) out.OnBuild = c.OnBuild;
  if (c.Shell?.length) out.Shell = c.Shell;
  return out;
}

/** dockerd's commit merge: what the user set wins; the container's config fills in the rest. */
export function mergeCommitConfig(user: ImageRunConfig, base: ImageRunConfig): ImageRunConfig {
  const c: ImageRunConfig = structuredClone(user);
  if (!c.User && base.User) c.User = base.User;
  if (base.ExposedPorts) c.ExposedPorts = { ...base.ExposedPorts, ...(c.ExposedPorts ?? {}) };
  if (!c.Env?.length) {
    if (base.Env) c.Env = [...base.Env];
  } else {
    const keys = new Set(c.Env.map(envKey));
    c.Env = [...c.Env, ...(base.Env ?? []).filter((e) => !keys.has(envKey(e)))];
  }
  if (base.Labels) c.Labels = { ...base.Labels, ...(c.Labels ?? {}) };
  if (!c.Entrypoint?.length) {
    if (!c.Cmd?.length) {
      if (base.Cmd !== undefined) c.Cmd = base.Cmd;
      if (base.ArgsEscaped) c.ArgsEscaped = true;
    }
    if (c.Entrypoint === undefined && base.Entrypoint !== undefined) c.Entrypoint = base.Entrypoint;
  }
  if (base.Healthcheck) c.Healthcheck = { ...base.Healthcheck, ...(c.Healthcheck ?? {}) };
  if (!c.WorkingDir && base.WorkingDir) c.WorkingDir = base.WorkingDir;
  if (base.Volumes) c.Volumes = { ...base.Volumes, ...(c.Volumes ?? {}) };
  if (!c.StopSignal && base.StopSignal) c.StopSignal = base.StopSignal;
  return c;
}

/**
 * The run config a commit writes. As dockerd's: the changes apply to the request's config or,
 * when it sent none, to the container's own (so `ENV A=1` lands after the image's PATH and a
 * relative `WORKDIR` is taken from the container's); the container's config then fills in the rest.
 */
export function commitRunConfig(container: ContainerConfig, opts: Pick<CommitOptions, 'config' | 'changes'>): ImageRunConfig {
  const base = runConfigOf(container);
  return mergeCommitConfig(applyChanges(opts.config ?? base, opts.changes ?? []), base);
}

/** The new image's config: the parent's layers and history plus one entry for the new layer. */
export function commitImageConfig(parent: ImageConfig, rec: ContainerRecord, run: ImageRunConfig, diffID: string, opts: CommitOptions, created: string): ImageConfig {
  const entry: HistoryEntry = { created, created_by: (rec.Config.Cmd ?? []).join(' ') };
  if (opts.author) entry.author = opts.author;
  if (opts.comment) entry.comment = opts.comment;
  const config: ImageConfig = {
    architecture: parent.architecture,
    os: parent.os,
    ...(parent.variant ? { variant: parent.variant } : {}),
    created,
    config: run,
    container: rec.ID,
    rootfs: { type: 'layers', diff_ids: [...parent.rootfs.diff_ids, diffID] },
    history: [...(parent.history ?? []), entry],
  };
  if (opts.author) config.author = opts.author;
  if (opts.comment) config.comment = opts.comment;
  return config;
}

/** Writes the layer (from the upper dir) and the image; the container is paused or stopped by the caller. */
export async function commitContainer(images: ImageService, rec: ContainerRecord, upperDir: string, opts: CommitOptions): Promise<ImageRecord> {
  const parent = images.get(rec.Image);
  const parentConfig = await images.config(parent);
  const run = commitRunConfig(rec.Config, opts);
  const hidden = mountPointPaths(upperDir);
  const tar = tarDirectory(upperDir, { overlayWhiteouts: true, skip: (p) => hidden.has(p) });
  const layer = await images.addLayer(tar, parent.layers.at(-1)?.chainID);
  const config = commitImageConfig(parentConfig, rec, run, layer.diffID, opts, new Date().toISOString());
  return images.createImage({ config, layers: [...parent.layers, layer], parent: parent.id, tags: opts.tag ? [opts.tag] : [] });
}
