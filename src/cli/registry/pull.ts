// The docker CLI's pull and push sequences over the API: credentials from config.json, the
// progress stream drawn on stderr or stdout, the final reference printed as docker prints it.
import type { EngineClient } from '../../client/index.js';
import { familiarName, parseNormalizedNamed, referenceString, repositoryName } from '../../reference/index.js';
import { ExitError } from '../context.js';
import { registryAuthFor } from './credentials.js';
import { progressDisplay } from './progress.js';

export interface PullFlags {
  allTags?: boolean;
  quiet?: boolean;
  platform?: string;
}

/** `busybox` → fromImage `busybox`, tag `latest`; `x@sha256:…` → the digest as the tag. */
export function splitImage(image: string): { name: string; tag?: string; ref: ReturnType<typeof parseNormalizedNamed> } {
  const ref = parseNormalizedNamed(image);
  return { name: familiarName(ref), tag: ref.digest ?? ref.tag, ref };
}

/** Pulls `image`; progress goes to `out` (stdout for `tug pull`, stderr for `tug run`). */
export async function pullImage(api: EngineClient, image: string, flags: PullFlags, out: NodeJS.WriteStream, sayDefaultTag = true): Promise<string> {
  const { name, tag, ref } = splitImage(image);
  if (flags.allTags && tag) throw new ExitError(1, 'tag can\'t be used with --all-tags/-a');
  let useTag = tag;
  if (!flags.allTags && !tag) {
    if (sayDefaultTag && !flags.quiet) out.write('Using default tag: latest\n');
    useTag = 'latest';
  }
  const display = progressDisplay(out);
  for await (const msg of api.imagePull(name, { tag: useTag, platform: flags.platform, registryAuth: registryAuthFor(image) })) {
    if (!flags.quiet) display.show(msg);
  }
  if (flags.allTags) return repositoryName(ref);
  return referenceString(ref.digest ? ref : { ...ref, tag: useTag });
}

export async function pushImage(api: EngineClient, image: string, flags: { allTags?: boolean; quiet?: boolean }, out: NodeJS.WriteStream): Promise<void> {
  const { name, tag, ref } = splitImage(image);
  if (ref.digest) throw new ExitError(1, 'cannot push a digest reference');
  if (flags.allTags && tag) throw new ExitError(1, 'tag can\'t be used with --all-tags/-a');
  let useTag = tag;
  if (!flags.allTags && !tag) {
    if (!flags.quiet) out.write('Using default tag: latest\n');
    useTag = 'latest';
  }
  const display = progressDisplay(out);
  for await (const msg of api.imagePush(name, { tag: useTag, registryAuth: registryAuthFor(image) })) {
    if (!flags.quiet) display.show(msg);
  }
  if (flags.quiet) out.write(`${flags.allTags ? repositoryName(ref) : referenceString({ ...ref, tag: useTag })}\n`);
}
