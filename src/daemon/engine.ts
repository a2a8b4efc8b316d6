// Opens the stores under data-root, recovers from whatever a crash left, and builds the
// services the API serves.
import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Services } from '../api/services.js';
import { ImageService } from '../images/service.js';
import { ImageStore } from '../images/store.js';
import { writeFileAtomic } from '../storage/atomic.js';
import { ContentStore } from '../storage/content.js';
import { LayerStore } from '../storage/layers.js';
import type { DaemonConfig } from './config.js';
import { System } from './info.js';

async function engineID(dataRoot: string): Promise<string> {
  const file = join(dataRoot, 'engine-id');
  try {
    const id = (await readFile(file, 'utf8')).trim();
    if (id) return id;
  } catch {
    // First start: make one below.
  }
  const id = randomUUID();
  await writeFileAtomic(file, id + '\n');
  return id;
}

export async function openEngine(config: DaemonConfig): Promise<Services> {
  await mkdir(config.dataRoot, { recursive: true, mode: 0o710 });
  await mkdir(config.execRoot, { recursive: true, mode: 0o700 });
  const content = new ContentStore(join(config.dataRoot, 'content'));
  const layers = new LayerStore(join(config.dataRoot, 'layers'));
  const store = new ImageStore(join(config.dataRoot, 'images'));
  await content.init();
  await layers.init();
  await store.init();
  const images = new ImageService(content, layers, store);
  // A crash can leave complete blobs or layers that no image record reached: drop them.
  await images.collectGarbage();
  const system = new System(config, images, await engineID(config.dataRoot));
  return { images, system };
}
