// Base images made on this host, since no registry is reachable: `busybox` from Debian's
// busybox-static, `debian:<suite>` with debootstrap. Both become ordinary single-layer images.
import { spawn, execFile } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import tar from 'tar-stream';
import { InvalidParameterError, UnavailableError } from '../errors.js';
import { familiarName, parseDockerRef, referenceString } from '../reference/index.js';
import { tarDirectory } from '../storage/tardir.js';
import { hostPlatform } from './import.js';
import type { ImageService } from './service.js';
import type { ImageConfig, ImageRecord } from './types.js';

const run = promisify(execFile);
const BUSYBOX = '/bin/busybox';
const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export type BootstrapProgress = (line: string) => void;

/** A deterministic rootfs tar: every applet a hardlink to /bin/busybox, one mtime throughout. */
export async function busyboxRootfs(binary = BUSYBOX): Promise<{ tar: Readable; mtime: Date }> {
  let st;
  try {
    st = await stat(binary);
  } catch {
    throw new UnavailableError(`${binary} not found: install Debian's busybox-static`);
  }
  const { stdout } = await run(binary, ['--list-full']);
  const applets = stdout.split('\n').map((s) => s.trim()).filter((s) => s && s !== 'bin/busybox' && s !== 'linuxrc' && !s.includes('..')).sort();
  const mtime = new Date(Math.floor(st.mtimeMs / 1000) * 1000);
  const pack = tar.pack();
  const add = (header: Partial<tar.Header> & { name: string }, body?: Buffer | Readable) => new Promise<void>((resolve, reject) => {
    const h: tar.Header = { uid: 0, gid: 0, uname: '', gname: '', mtime, ...header } as tar.Header;
    if (body === undefined || Buffer.isBuffer(body)) {
      pack.entry(h, body ?? Buffer.alloc(0), (err) => (err ? reject(err) : resolve()));
      return;
    }
    const entry = pack.entry(h, (err) => (err ? reject(err) : resolve()));
    body.on('error', reject).pipe(entry);
  });
  const write = async () => {
    // /usr/local/bin is on PATH: Dockerfiles such as the seeds' helloworld COPY into it.
    const dirs = ['bin/', 'dev/', 'etc/', 'home/', 'proc/', 'root/', 'sbin/', 'sys/', 'tmp/', 'usr/', 'usr/bin/', 'usr/local/', 'usr/local/bin/', 'usr/sbin/', 'var/', 'var/spool/', 'var/spool/mail/', 'var/www/'];
    for (const d of dirs) {
      const mode = d === 'tmp/' ? 0o1777 : d === 'root/' ? 0o700 : 0o755;
      await add({ name: d, type: 'directory', mode });
    }
    await add({ name: 'bin/busybox', type: 'file', mode: 0o755, size: st.size }, createReadStream(binary));
    for (const a of applets) await add({ name: a, type: 'link', linkname: 'bin/busybox', mode: 0o755 });
    const passwd = 'root:x:0:0:root:/root:/bin/sh\ndaemon:x:1:1:daemon:/usr/sbin:/bin/false\nbin:x:2:2:bin:/bin:/bin/false\nsys:x:3:3:sys:/dev:/bin/false\nnobody:x:65534:65534:nobody:/home:/bin/false\n';
    const group = 'root:x:0:\ndaemon:x:1:\nbin:x:2:\nsys:x:3:\nadm:x:4:\ntty:x:5:\nwheel:x:10:root\nusers:x:100:\nnogroup:x:65534:\n';
    const shadow = 'root:*:10933:0:99999:7:::\ndaemon:*:10933:0:99999:7:::\nbin:*:10933:0:99999:7:::\nsys:*:10933:0:99999:7:::\nnobody:*:10933:0:99999:7:::\n';
    await add({ name: 'etc/group', type: 'file', mode: 0o644 }, Buffer.from(group));
    await add({ name: 'etc/passwd', type: 'file', mode: 0o644 }, Buffer.from(passwd));
    await add({ name: 'etc/shadow', type: 'file', mode: 0o640 }, Buffer.from(shadow));
    pack.finalize();
  };
  write().catch((err: unknown) => pack.destroy(err as Error));
  return { tar: Readable.from(pack), mtime };
}

async function debootstrapRootfs(suite: string, progress: BootstrapProgress, signal?: AbortSignal): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const parent = await mkdtemp('/var/tmp/tug-debootstrap-');
  const dir = join(parent, 'rootfs');
  const cleanup = () => rm(parent, { recursive: true, force: true });
  const mirror = await debianMirror();
  progress(`debootstrap --variant=minbase ${suite} (${mirror})`);
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('debootstrap', ['--variant=minbase', suite, dir, mirror], { stdio: ['ignore', 'pipe', 'pipe'], signal });
      let tail = '';
      const onData = (d: Buffer) => {
        const text = d.toString();
        tail = (tail + text).slice(-2000);
        for (const line of text.split('\n')) if (/^I: (Retrieving|Validating|Extracting|Installing|Configuring|Base system)/.test(line)) progress(line.trim());
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.on('error', (err) => reject(new UnavailableError(`debootstrap: ${err.message}`)));
      child.on('close', (code) => (code === 0 ? resolve() : reject(new UnavailableError(`debootstrap exited with ${code}: ${tail.trim().split('\n').at(-1) ?? ''}`))));
    });
    // Caches and the host's identity do not belong in an image.
    await rm(join(dir, 'var/cache/apt/archives'), { recursive: true, force: true });
    await rm(join(dir, 'var/lib/apt/lists'), { recursive: true, force: true });
    await rm(join(dir, 'debootstrap'), { recursive: true, force: true });
    return { dir, cleanup };
  } catch (err) {
    await cleanup();
    throw err;
  }
}

/** The mirror this host's apt uses, so debootstrap reaches what apt-get reaches. */
async function debianMirror(): Promise<string> {
  for (const f of ['/etc/apt/sources.list.d/debian.sources', '/etc/apt/sources.list']) {
    try {
      const text = await readFile(f, 'utf8');
      const m = /^URIs:\s*(\S+\/debian)\s*$/m.exec(text) ?? /^deb\s+(?:\[[^\]]*\]\s+)?(\S+\/debian)\s/m.exec(text);
      if (m) return m[1]!;
    } catch {
      // Try the next file.
    }
  }
  return 'http://deb.debian.org/debian';
}

export async function bootstrapImage(svc: ImageService, name: string, progress: BootstrapProgress, signal?: AbortSignal): Promise<ImageRecord> {
  const ref = parseDockerRef(name);
  const base = familiarName(ref);
  const { os, architecture } = hostPlatform();
  let layerTar: Readable;
  let created: string;
  let cmd: string[];
  let cleanup = async () => {};
  if (base === 'busybox') {
    const rootfs = await busyboxRootfs();
    progress(`busybox rootfs from ${BUSYBOX}`);
    layerTar = rootfs.tar;
    created = rootfs.mtime.toISOString().replace('.000Z', 'Z');
    cmd = ['sh'];
  } else if (base === 'debian') {
    const suite = ref.tag && ref.tag !== 'latest' ? ref.tag : 'bookworm';
    if (!/^[a-z]+$/.test(suite)) throw new InvalidParameterError(`unknown Debian suite: ${suite}`);
    const root = await debootstrapRootfs(suite, progress, signal);
    cleanup = root.cleanup;
    layerTar = tarDirectory(root.dir);
    created = new Date().toISOString();
    cmd = ['bash'];
  } else {
    throw new InvalidParameterError(`tug bootstrap knows busybox and debian, not ${base}`);
  }
  try {
    const layer = await svc.addLayer(layerTar, undefined, signal);
    progress(`layer ${layer.diffID}`);
    const config: ImageConfig = {
      architecture,
      os,
      created,
      config: { Env: [PATH_ENV], Cmd: cmd },
      rootfs: { type: 'layers', diff_ids: [layer.diffID] },
      history: [{ created, created_by: `tug bootstrap ${base}`, comment: base === 'busybox' ? `from ${BUSYBOX}` : 'debootstrap --variant=minbase' }],
    };
    return await svc.createImage({ config, layers: [layer], tags: [referenceString(ref)] });
  } finally {
    await cleanup();
  }
}
