// GET/HEAD/PUT/DELETE /v2/<name>/manifests/<tag or digest>.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { MAX_MANIFEST_SIZE } from '../manifest.js';
import { tooLarge, type RegistryStore } from '../store/index.js';
import { readBody, sendEmpty } from './respond.js';

export async function getManifest(req: IncomingMessage, res: ServerResponse, store: RegistryStore, name: string, ref: string): Promise<void> {
  const m = await store.getManifest(name, ref);
  res.writeHead(200, {
    'Content-Type': m.mediaType,
    'Content-Length': String(m.data.length),
    'Docker-Content-Digest': m.digest,
    ETag: `"${m.digest}"`,
  });
  res.end(req.method === 'HEAD' ? undefined : m.data);
}

export async function putManifest(req: IncomingMessage, res: ServerResponse, store: RegistryStore, name: string, ref: string): Promise<void> {
  const body = await readBody(req, MAX_MANIFEST_SIZE, tooLarge);
  const { digest, subject } = await store.putManifest(name, ref, body, req.headers['content-type']);
  const headers: Record<string, string> = { Location: `/v2/${name}/manifests/${digest}`, 'Docker-Content-Digest': digest };
  if (subject) headers['OCI-Subject'] = subject;
  sendEmpty(res, 201, headers);
}

export async function deleteManifest(res: ServerResponse, store: RegistryStore, name: string, ref: string): Promise<void> {
  await store.deleteManifest(name, ref);
  sendEmpty(res, 202);
}
