// Turning a step into an image, as the classic builder does: every step is an image whose
// parent is the previous step's; metadata steps add a history entry with empty_layer.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { ImageService } from '../images/service.js';
import type { HistoryEntry, ImageConfig, ImageLayer, ImageRecord, ImageRunConfig } from '../images/types.js';
import { hostPlatform } from '../images/import.js';

export const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** Where a stage stands: its current image (none for scratch before a layer) and config. */
export interface ImageState {
  id: string | undefined;
  config: ImageConfig;
  layers: ImageLayer[];
}

export function scratchState(): ImageState {
  const { os, architecture } = hostPlatform();
  return { id: undefined, config: { architecture, os, config: {}, rootfs: { type: 'layers', diff_ids: [] }, history: [] }, layers: [] };
}

export async function imageState(images: ImageService, rec: ImageRecord): Promise<ImageState> {
  return { id: rec.id, config: await images.config(rec), layers: rec.layers };
}

/** A stage's config starts from its base's with a PATH (dockerd adds one when missing). */
export function withDefaultPath(config: ImageRunConfig): ImageRunConfig {
  const env = config.Env ?? [];
  return env.some((e) => e.startsWith('PATH=')) ? config : { ...config, Env: [...env, DEFAULT_PATH] };
}

function nextConfig(state: ImageState, runConfig: ImageRunConfig, entry: HistoryEntry, diffID?: string): ImageConfig {
  const c: ImageConfig = {
    ...state.config,
    created: entry.created,
    config: runConfig,
    rootfs: { type: 'layers', diff_ids: diffID ? [...state.config.rootfs.diff_ids, diffID] : [...state.config.rootfs.diff_ids] },
    history: [...(state.config.history ?? []), entry],
  };
  return c;
}

async function save(images: ImageService, state: ImageState, config: ImageConfig, layers: ImageLayer[]): Promise<ImageState> {
  const rec = await images.createImage({ config, layers, ...(state.id ? { parent: state.id } : {}) });
  return { id: rec.id, config, layers };
}

export async function commitConfig(images: ImageService, state: ImageState, runConfig: ImageRunConfig, createdBy: string): Promise<ImageState> {
  const entry: HistoryEntry = { created: new Date().toISOString(), created_by: createdBy, empty_layer: true };
  return save(images, state, nextConfig(state, runConfig, entry), state.layers);
}

export async function commitLayer(images: ImageService, state: ImageState, tar: Readable, runConfig: ImageRunConfig, createdBy: string, signal?: AbortSignal): Promise<ImageState> {
  const parentChain = state.layers[state.layers.length - 1]?.chainID;
  const layer = await images.addLayer(tar, parentChain, signal);
  const entry: HistoryEntry = { created: new Date().toISOString(), created_by: createdBy };
  return save(images, state, nextConfig(state, runConfig, entry, layer.diffID), [...state.layers, layer]);
}

/** `file:<hash>`, `dir:<hash>` or `multi:<hash>`: how classic history names COPY sources. */
export function sourceLabel(files: Record<string, string>, sources: { isDir: boolean }[]): string {
  const h = createHash('sha256');
  for (const [k, v] of Object.entries(files).sort(([a], [b]) => (a < b ? -1 : 1))) h.update(`${k}:${v}\n`);
  const kind = sources.length > 1 ? 'multi' : sources[0]?.isDir ? 'dir' : 'file';
  return `${kind}:${h.digest('hex')}`;
}
