// The build context as the docker CLI makes it: the directory as a tar without what
// .dockerignore excludes, the Dockerfile added under a name of its own when -f points elsewhere.
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import tar from 'tar-stream';
import { DockerIgnore } from '../build/context/dockerignore.js';
import { InvalidParameterError } from '../errors.js';
import { tarDirectory } from '../storage/tardir.js';

export interface ContextTar {
  body: Readable;
  /** The `dockerfile` query value: a path in the context. */
  dockerfile: string;
}

/** One tar entry for `content`, without the end-of-archive blocks. */
async function fileEntry(name: string, content: Buffer): Promise<Buffer> {
  const pack = tar.pack();
  pack.entry({ name, mode: 0o600, size: content.length, mtime: new Date(0) }, content);
  pack.finalize();
  const chunks: Buffer[] = [];
  for await (const c of pack) chunks.push(c as Buffer);
  const all = Buffer.concat(chunks);
  return all.subarray(0, 512 + Math.ceil(content.length / 512) * 512);
}

async function* concat(head: Buffer | undefined, rest: Readable): AsyncGenerator<Buffer> {
  if (head) yield head;
  for await (const c of rest) yield c as Buffer;
}

/** `dir` as a context; `dockerfileText` when the Dockerfile came from stdin or lives outside it. */
export async function directoryContext(dir: string, dockerfile: string | undefined, dockerfileText?: Buffer): Promise<ContextTar> {
  const root = resolve(dir);
  try {
    if (!statSync(root).isDirectory()) throw new Error();
  } catch {
    throw new InvalidParameterError(`unable to prepare context: path "${dir}" not found`);
  }
  let inside = 'Dockerfile';
  let extra: Buffer | undefined;
  if (dockerfileText) extra = dockerfileText;
  else if (dockerfile) {
    const abs = resolve(dockerfile);
    const rel = relative(root, abs);
    if (rel.startsWith('..') || rel.startsWith(sep)) {
      try {
        extra = readFileSync(abs);
      } catch {
        throw new InvalidParameterError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${abs}: no such file or directory`);
      }
    } else inside = rel.split(sep).join('/');
  }
  if (!extra) {
    try {
      statSync(join(root, inside));
    } catch {
      throw new InvalidParameterError(`unable to prepare context: unable to evaluate symlinks in Dockerfile path: lstat ${join(root, inside)}: no such file or directory`);
    }
  }
  let ignoreText = '';
  try {
    ignoreText = readFileSync(join(root, '.dockerignore'), 'utf8');
  } catch {
    // no .dockerignore
  }
  const ignore = new DockerIgnore(ignoreText, [inside, '.dockerignore']);
  const filter = (path: string, isDir: boolean): 'include' | 'exclude' | 'descend' => {
    if (!ignore.ignored(path)) return 'include';
    return isDir && ignore.hasExceptions ? 'descend' : 'exclude';
  };
  let name = inside;
  let head: Buffer | undefined;
  if (extra) {
    name = `.tug-dockerfile-${randomBytes(6).toString('hex')}`;
    head = await fileEntry(name, extra);
  }
  const body = Readable.from(concat(head, tarDirectory(root, { filter })), { objectMode: false });
  return { body, dockerfile: name };
}
