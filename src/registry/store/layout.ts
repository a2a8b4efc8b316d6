// Where everything lives under --root. Blobs are shared by every repository; a repository
// holds only links (`_layers/<hex>`, `_manifests/<hex>`), tags and its referrers index.
// Names reach here validated (names.ts), and `_` cannot begin a name component, so a
// repository's own directories never collide with a nested repository.
import { join } from 'node:path';
import { hexOf } from '../names.js';

export class Layout {
  constructor(readonly root: string) {}

  get blobDir(): string {
    return join(this.root, 'blobs', 'sha256');
  }

  blob(digest: string): string {
    return join(this.blobDir, hexOf(digest));
  }

  get uploadDir(): string {
    return join(this.root, 'uploads');
  }

  upload(uuid: string): string {
    return join(this.uploadDir, uuid);
  }

  get repoDir(): string {
    return join(this.root, 'repositories');
  }

  repo(name: string): string {
    return join(this.repoDir, name);
  }

  layerLinks(name: string): string {
    return join(this.repo(name), '_layers');
  }

  layerLink(name: string, digest: string): string {
    return join(this.layerLinks(name), hexOf(digest));
  }

  manifestLinks(name: string): string {
    return join(this.repo(name), '_manifests');
  }

  manifestLink(name: string, digest: string): string {
    return join(this.manifestLinks(name), hexOf(digest));
  }

  tags(name: string): string {
    return join(this.repo(name), '_tags');
  }

  tag(name: string, tag: string): string {
    return join(this.tags(name), tag);
  }

  referrers(name: string, subject: string): string {
    return join(this.repo(name), '_referrers', hexOf(subject));
  }

  referrer(name: string, subject: string, digest: string): string {
    return join(this.referrers(name, subject), hexOf(digest));
  }
}
