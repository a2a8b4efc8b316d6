// A deterministic tar of a directory tree (sorted, one hardlink per extra name, xattrs as
// PAX records). With overlayWhiteouts, overlay whiteouts become OCI ones: what `commit` and
// `build` need to turn an upper dir into a layer.
import { createReadStream } from 'node:fs';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { lgetxattr, llistxattr } from '../sys/libc.js';

export interface TarDirectoryOptions {
  overlayWhiteouts?: boolean;
}

function major(rdev: number): number {
  return ((rdev >> 8) & 0xfff) | ((Math.floor(rdev / 2 ** 32) & ~0xfff) >>> 0);
}

function minor(rdev: number): number {
  return (rdev & 0xff) | ((rdev >> 12) & 0xfff00);
}

export function tarDirectory(dir: string, opts: TarDirectoryOptions = {}): Readable {
  const pack = tar.pack();
  const inodes = new Map<string, string>();

  const add = (header: tar.Header, body?: Readable) => new Promise<void>((resolve, reject) => {
    if (!body) {
      // An entry given no buffer waits for a body stream: always hand over an empty one.
      pack.entry(header, Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
      return;
    }
    const entry = pack.entry(header, (err) => (err ? reject(err) : resolve()));
    body.on('error', (err) => { entry.destroy(err); reject(err); });
    body.pipe(entry as unknown as NodeJS.WritableStream);
  });

  const xattrs = (path: string): Record<string, string> | undefined => {
    const pax: Record<string, string> = {};
    for (const name of llistxattr(path)) {
      if (name.startsWith('trusted.overlay.')) continue;
      const v = lgetxattr(path, name);
      if (v) pax[`SCHILY.xattr.${name}`] = v.toString('latin1');
    }
    return Object.keys(pax).length ? pax : undefined;
  };

  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(rel ? join(dir, rel) : dir)).sort();
    for (const name of names) {
      const relPath = rel ? `${rel}/${name}` : name;
      const abs = join(dir, relPath);
      const st = await lstat(abs);
      const base = { name: relPath, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, uname: '', gname: '', mtime: new Date(Math.floor(st.mtimeMs / 1000) * 1000) };
      const pax = xattrs(abs);
      const common = pax ? { ...base, pax } : base;
      if (st.isDirectory()) {
        await add({ ...common, name: `${relPath}/`, type: 'directory' } as tar.Header);
        if (opts.overlayWhiteouts && lgetxattr(abs, 'trusted.overlay.opaque')?.toString() === 'y') {
          await add({ ...base, name: `${relPath}/.wh..wh..opq`, type: 'file', size: 0, mode: 0o644 } as tar.Header);
        }
        await walk(relPath);
      } else if (st.isCharacterDevice() && opts.overlayWhiteouts && st.rdev === 0) {
        await add({ ...base, name: `${rel ? `${rel}/` : ''}.wh.${name}`, type: 'file', size: 0, mode: 0o644 } as tar.Header);
      } else if (st.isFile()) {
        const key = `${st.dev}:${st.ino}`;
        const first = st.nlink > 1 ? inodes.get(key) : undefined;
        if (first !== undefined) {
          await add({ ...common, type: 'link', linkname: first, size: 0 } as tar.Header);
        } else {
          if (st.nlink > 1) inodes.set(key, relPath);
          await add({ ...common, type: 'file', size: st.size } as tar.Header, createReadStream(abs));
        }
      } else if (st.isSymbolicLink()) {
        await add({ ...common, type: 'symlink', linkname: await readlink(abs) } as tar.Header);
      } else if (st.isCharacterDevice() || st.isBlockDevice()) {
        await add({ ...common, type: st.isCharacterDevice() ? 'character-device' : 'block-device', devmajor: major(st.rdev), devminor: minor(st.rdev) } as tar.Header);
      } else if (st.isFIFO()) {
        await add({ ...common, type: 'fifo' } as tar.Header);
      }
      // Sockets have no place in a layer.
    }
  };

  walk('').then(() => pack.finalize(), (err: unknown) => pack.destroy(err as Error));
  return Readable.from(pack);
}
