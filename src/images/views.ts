// Docker's JSON shapes for images (ImageSummary, ImageInspect, HistoryResponseItem), made
// from tug's records by pure functions.
import { compareVersions } from '../api/version.js';
import { familiarString, parseNormalizedNamed } from '../reference/index.js';
import type { ImageConfig, ImageRecord } from './types.js';

export interface ImageSummary {
  Id: string;
  ParentId: string;
  RepoTags: string[];
  RepoDigests: string[];
  Created: number;
  Size: number;
  SharedSize: number;
  VirtualSize?: number;
  Labels: Record<string, string>;
  Containers: number;
}

function familiar(ref: string): string {
  return familiarString(parseNormalizedNamed(ref));
}

export function repoTags(refs: string[]): string[] {
  return refs.filter((r) => !r.includes('@')).map(familiar);
}

export function repoDigests(refs: string[]): string[] {
  return refs.filter((r) => r.includes('@')).map(familiar);
}

export function imageSize(rec: ImageRecord): number {
  return rec.layers.reduce((n, l) => n + l.size, 0);
}

export function createdSeconds(config: ImageConfig): number {
  const t = config.created ? Date.parse(config.created) : NaN;
  return Number.isNaN(t) ? 0 : Math.floor(t / 1000);
}

export function imageSummary(rec: ImageRecord, config: ImageConfig, refs: string[], apiVersion: string, containers = -1): ImageSummary {
  const size = imageSize(rec);
  const s: ImageSummary = {
    Id: rec.id,
    ParentId: rec.parent ?? '',
    RepoTags: repoTags(refs),
    RepoDigests: repoDigests(refs),
    Created: createdSeconds(config),
    Size: size,
    SharedSize: -1,
    Labels: config.config?.Labels ?? {},
    Containers: containers,
  };
  if (compareVersions(apiVersion, '1.44') < 0) s.VirtualSize = size;
  return s;
}

export function imageInspect(rec: ImageRecord, config: ImageConfig, refs: string[], apiVersion: string, graph: Record<string, string>): Record<string, unknown> {
  const size = imageSize(rec);
  const run = config.config ?? {};
  const out: Record<string, unknown> = {
    Id: rec.id,
    RepoTags: repoTags(refs),
    RepoDigests: repoDigests(refs),
    Parent: rec.parent ?? '',
    Comment: typeof config.comment === 'string' ? config.comment : (config.history?.at(-1)?.comment ?? ''),
    Created: config.created ?? '0001-01-01T00:00:00Z',
    DockerVersion: typeof config.docker_version === 'string' ? config.docker_version : '',
    Author: config.author ?? '',
    Config: {
      Hostname: '',
      Domainname: '',
      User: run.User ?? '',
      AttachStdin: false,
      AttachStdout: false,
      AttachStderr: false,
      ExposedPorts: run.ExposedPorts,
      Tty: false,
      OpenStdin: false,
      StdinOnce: false,
      Env: run.Env ?? null,
      Cmd: run.Cmd ?? null,
      Healthcheck: run.Healthcheck,
      ArgsEscaped: run.ArgsEscaped,
      Image: '',
      Volumes: run.Volumes ?? null,
      WorkingDir: run.WorkingDir ?? '',
      Entrypoint: run.Entrypoint ?? null,
      OnBuild: run.OnBuild ?? null,
      Labels: run.Labels ?? null,
      StopSignal: run.StopSignal,
      Shell: run.Shell,
    },
    Architecture: config.architecture,
    Variant: config.variant,
    Os: config.os,
    Size: size,
    GraphDriver: { Name: 'overlay2', Data: graph },
    RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
    Metadata: { LastTagTime: rec.lastTagTime ?? '0001-01-01T00:00:00Z' },
  };
  if (compareVersions(apiVersion, '1.44') < 0) out.VirtualSize = size;
  if (compareVersions(apiVersion, '1.45') < 0) {
    out.Container = '';
    out.ContainerConfig = out.Config;
  }
  return JSON.parse(JSON.stringify(out)) as Record<string, unknown>;
}

export interface HistoryItem {
  Id: string;
  Created: number;
  CreatedBy: string;
  Tags: string[];
  Size: number;
  Comment: string;
}

/** A local image whose config is a prefix of another's history: its ID labels that entry. */
export interface HistoryAnchor {
  id: string;
  tags: string[];
  historyLength: number;
}

/**
 * Newest first. Layer sizes go to the entries that made a layer; an entry is labelled with
 * the ID of a local image (the image itself or a parent) whose last entry it is, else `<missing>`.
 */
export function imageHistory(rec: ImageRecord, config: ImageConfig, anchors: HistoryAnchor[]): HistoryItem[] {
  const history = config.history?.length ? config.history : rec.layers.map(() => ({ created: config.created }));
  const byIndex = new Map(anchors.map((a) => [a.historyLength - 1, a]));
  let layerIndex = 0;
  const items = history.map((h, i): HistoryItem => {
    let size = 0;
    if (!('empty_layer' in h && h.empty_layer)) size = rec.layers[layerIndex++]?.size ?? 0;
    const anchor = byIndex.get(i);
    return {
      Id: anchor?.id ?? '<missing>',
      Created: h.created ? Math.floor(Date.parse(h.created) / 1000) : 0,
      CreatedBy: 'created_by' in h ? (h.created_by ?? '') : '',
      Tags: anchor?.tags ?? [],
      Size: size,
      Comment: 'comment' in h ? (h.comment ?? '') : '',
    };
  });
  return items.reverse();
}
