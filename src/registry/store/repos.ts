// A repository's links: the blobs it may serve, the manifests it holds (each link file keeps
// the manifest's media type), its tags (each a file holding a digest) and its referrers index.
import { mkdir, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { isErrno } from '../../errors.js';
import { writeFileAtomic } from '../../storage/atomic.js';
import { RegistryError } from '../errors.js';
import type { Descriptor } from '../manifest.js';
import { exists, writeLink } from './blobs.js';
import type { Layout } from './layout.js';

const HEX = /^[a-f0-9]{64}$/;

async function names(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return [];
    throw err;
  }
}

async function readText(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT') || isErrno(err, 'ENOTDIR')) return undefined;
    throw err;
  }
}

export class RepoStore {
  constructor(private readonly layout: Layout) {}

  async exists(name: string): Promise<boolean> {
    return exists(this.layout.repo(name));
  }

  async requireRepo(name: string): Promise<void> {
    if (!(await this.exists(name))) throw new RegistryError('NAME_UNKNOWN', 'repository name not known to registry', { detail: { name } });
  }

  hasLayer(name: string, digest: string): Promise<boolean> {
    return exists(this.layout.layerLink(name, digest));
  }

  linkLayer(name: string, digest: string): Promise<void> {
    return writeLink(this.layout.layerLink(name, digest));
  }

  async unlinkLayer(name: string, digest: string): Promise<boolean> {
    if (!(await this.hasLayer(name, digest))) return false;
    await rm(this.layout.layerLink(name, digest), { force: true });
    return true;
  }

  /** The media type of a manifest the repository holds, or undefined. */
  async manifestType(name: string, digest: string): Promise<string | undefined> {
    return readText(this.layout.manifestLink(name, digest));
  }

  async linkManifest(name: string, digest: string, mediaType: string): Promise<void> {
    await writeLink(this.layout.manifestLink(name, digest), mediaType);
  }

  async unlinkManifest(name: string, digest: string): Promise<void> {
    await rm(this.layout.manifestLink(name, digest), { force: true });
  }

  async manifestDigests(name: string): Promise<string[]> {
    return (await names(this.layout.manifestLinks(name))).filter((n) => HEX.test(n)).map((h) => `sha256:${h}`);
  }

  async layerDigests(name: string): Promise<string[]> {
    return (await names(this.layout.layerLinks(name))).filter((n) => HEX.test(n)).map((h) => `sha256:${h}`);
  }

  async resolveTag(name: string, tag: string): Promise<string | undefined> {
    return (await readText(this.layout.tag(name, tag)))?.trim();
  }

  async setTag(name: string, tag: string, digest: string): Promise<void> {
    await mkdir(this.layout.tags(name), { recursive: true });
    await writeFileAtomic(this.layout.tag(name, tag), digest);
  }

  async removeTag(name: string, tag: string): Promise<boolean> {
    if ((await this.resolveTag(name, tag)) === undefined) return false;
    await rm(this.layout.tag(name, tag), { force: true });
    return true;
  }

  async tags(name: string): Promise<string[]> {
    return (await names(this.layout.tags(name))).filter((t) => !t.startsWith('.tmp-')).sort();
  }

  /** Tags that point at a digest (removed with the manifest). */
  async tagsOf(name: string, digest: string): Promise<string[]> {
    const out: string[] = [];
    for (const t of await this.tags(name)) if ((await this.resolveTag(name, t)) === digest) out.push(t);
    return out;
  }

  async addReferrer(name: string, subject: string, desc: Descriptor): Promise<void> {
    await writeLink(this.layout.referrer(name, subject, desc.digest), JSON.stringify(desc));
  }

  async removeReferrer(name: string, subject: string, digest: string): Promise<void> {
    await rm(this.layout.referrer(name, subject, digest), { force: true });
    await rmdir(this.layout.referrers(name, subject)).catch(() => undefined);
  }

  async referrers(name: string, subject: string): Promise<Descriptor[]> {
    const dir = this.layout.referrers(name, subject);
    const out: Descriptor[] = [];
    for (const h of (await names(dir)).filter((n) => HEX.test(n)).sort()) {
      const text = await readText(join(dir, h));
      if (text) out.push(JSON.parse(text) as Descriptor);
    }
    return out;
  }

  /** Every repository name, sorted: a directory holding `_manifests` or `_layers`. */
  async list(): Promise<string[]> {
    const out: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      const entries = await names(dir);
      if (entries.includes('_manifests') || entries.includes('_layers')) out.push(relative(this.layout.repoDir, dir));
      for (const e of entries) if (!e.startsWith('_')) await walk(join(dir, e));
    };
    await walk(this.layout.repoDir);
    return out.sort();
  }

  /** Removes a repository directory's empty parents up to repositories/ (after a delete). */
  async prune(name: string): Promise<void> {
    for (let dir = this.layout.repo(name); dir.startsWith(this.layout.repoDir + '/'); dir = dirname(dir)) {
      try {
        await rmdir(dir);
      } catch {
        return;
      }
    }
  }
}
