// Blob uploads: POST (start, monolithic with ?digest=, or a cross-repository ?mount=), PATCH
// chunks with Content-Range, GET status, PUT ?digest= to finish, DELETE to cancel.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { RegistryError } from '../errors.js';
import { validateDigest, validateName } from '../names.js';
import { rangeHeader, type RegistryStore } from '../store/index.js';
import { sendEmpty } from './respond.js';

function uploadHeaders(name: string, uuid: string, offset: number): Record<string, string> {
  return { Location: `/v2/${name}/blobs/uploads/${uuid}`, Range: rangeHeader(offset), 'Docker-Upload-UUID': uuid };
}

function created(res: ServerResponse, name: string, digest: string): void {
  sendEmpty(res, 201, { Location: `/v2/${name}/blobs/${digest}`, 'Docker-Content-Digest': digest });
}

/** PATCH's Content-Range (`start-end`, inclusive); undefined for a streamed chunk. */
export function parseContentRange(header: string | undefined, length: string | undefined): number | undefined {
  if (header === undefined) return undefined;
  const m = /^(?:bytes[ =])?(\d+)-(\d+)$/.exec(header.trim());
  if (!m || Number(m[2]) < Number(m[1])) throw new RegistryError('RANGE_INVALID', `invalid Content-Range ${header.slice(0, 100)}`);
  if (length !== undefined && Number(length) !== Number(m[2]) - Number(m[1]) + 1) {
    throw new RegistryError('RANGE_INVALID', `Content-Range ${header.slice(0, 100)} does not match Content-Length ${length.slice(0, 20)}`);
  }
  return Number(m[1]);
}

export async function startUpload(req: IncomingMessage, res: ServerResponse, store: RegistryStore, name: string, query: URLSearchParams, canPull: (repo: string) => Promise<boolean>): Promise<void> {
  const mount = query.get('mount');
  const from = query.get('from');
  if (mount !== null && from !== null) {
    validateDigest(mount);
    validateName(from);
    if ((await canPull(from)) && (await store.mount(name, from, mount))) {
      req.resume();
      created(res, name, mount);
      return;
    }
  }
  const digest = query.get('digest');
  if (digest !== null) validateDigest(digest);
  const uuid = await store.uploads.start(name);
  if (digest !== null) {
    await store.completeUpload(name, uuid, digest, req);
    created(res, name, digest);
    return;
  }
  req.resume();
  sendEmpty(res, 202, uploadHeaders(name, uuid, 0));
}

export async function uploadStatus(res: ServerResponse, store: RegistryStore, name: string, uuid: string): Promise<void> {
  const offset = await store.uploads.offset(name, uuid);
  sendEmpty(res, 204, uploadHeaders(name, uuid, offset));
}

export async function patchUpload(req: IncomingMessage, res: ServerResponse, store: RegistryStore, name: string, uuid: string): Promise<void> {
  const start = parseContentRange(req.headers['content-range'], req.headers['content-length']);
  const offset = await store.uploads.serial(uuid, () => store.uploads.append(name, uuid, req, start));
  sendEmpty(res, 202, uploadHeaders(name, uuid, offset));
}

export async function finishUpload(req: IncomingMessage, res: ServerResponse, store: RegistryStore, name: string, uuid: string, query: URLSearchParams): Promise<void> {
  const digest = query.get('digest');
  if (digest === null) throw new RegistryError('DIGEST_INVALID', 'digest missing: PUT needs ?digest=');
  validateDigest(digest);
  if (req.headers['content-range'] !== undefined) parseContentRange(req.headers['content-range'], req.headers['content-length']);
  await store.completeUpload(name, uuid, digest, req);
  created(res, name, digest);
}

export async function cancelUpload(res: ServerResponse, store: RegistryStore, name: string, uuid: string): Promise<void> {
  await store.uploads.serial(uuid, async () => {
    await store.uploads.info(name, uuid);
    await store.uploads.remove(uuid);
  });
  sendEmpty(res, 204);
}
