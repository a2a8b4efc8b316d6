// The builder: a Dockerfile's stages as a graph. Stages the target needs build, independent
// ones in parallel; their output is shown in stage order, each step as the classic builder
// prints it (`Step 3/9 : RUN …`, ` ---> Using cache`, `Successfully built …`).
import { randomBytes } from 'node:crypto';
import { readdir, rm, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { InvalidParameterError } from '../errors.js';
import type { AuthConfig, ProgressMessage } from '../distribution/index.js';
import { hostPlatform } from '../images/import.js';
import { ImageService } from '../images/service.js';
import type { ImageRecord } from '../images/types.js';
import { familiarString, parseNormalizedNamed } from '../reference/index.js';
import { imageState, scratchState, withDefaultPath, type ImageState } from './commit.js';
import { expand, parseDockerfile, type Dockerfile, type Instruction, type Stage } from './dockerfile/index.js';
import { parseInstruction } from './dockerfile/instructions.js';
import { BaseImages } from './base.js';
import { StageOutput, statusLine } from './output.js';
import { StageRun, short, type StageDeps } from './stage.js';

export interface BuildOptions {
  tags: string[];
  buildArgs: Record<string, string>;
  labels: Record<string, string>;
  target?: string;
  noCache: boolean;
  pull: boolean;
  cacheFrom: string[];
  network?: string;
  platform?: string;
  quiet: boolean;
  /** Say why each re-run step missed the cache (`--progress=plain`). */
  explain: boolean;
  /** Stream each stage's lines at once, tagged with the stage (`id: "#N"`), for a live view. */
  live?: boolean;
  /** The Dockerfile's name for messages. */
  dockerfileName: string;
  /** Logins by registry (X-Registry-Config), for the base images a build pulls. */
  registryAuth?: Record<string, AuthConfig>;
}

export type BuildMessage = { stream: string; id?: string } | { aux: { ID: string } } | ProgressMessage;

export interface BuildResult {
  id: string;
  tags: string[];
}

/** The stages `target` needs, by FROM and COPY --from, in index order. */
export function neededStages(df: Dockerfile, target: number, resolve: (ref: string, before: number) => number | undefined, fromOf: (s: Stage) => string): number[] {
  const need = new Set<number>();
  const visit = (i: number) => {
    if (need.has(i)) return;
    need.add(i);
    const st = df.stages[i]!;
    const base = resolve(fromOf(st), i);
    if (base !== undefined) visit(base);
    for (const ins of st.instructions) {
      if (ins.kind === 'COPY' && typeof ins.flags.from === 'string') {
        const dep = resolve(ins.flags.from, i);
        if (dep !== undefined) visit(dep);
      }
    }
  };
  visit(target);
  return [...need].sort((a, b) => a - b);
}

export class Builder {
  constructor(private readonly d: StageDeps) {}

  async init(): Promise<void> {
    await this.d.cache.init();
    await mkdir(this.d.tmpRoot, { recursive: true, mode: 0o700 });
    await this.d.mounts.init();
    // Mounts and staging a crash left behind.
    for (const name of await readdir(this.d.mounts.root)) await this.d.mounts.remove(name).catch(() => undefined);
    for (const name of await readdir(this.d.tmpRoot)) if (name !== 'mounts') await rm(join(this.d.tmpRoot, name), { recursive: true, force: true });
    await mkdir(this.d.cacheMountRoot, { recursive: true });
  }

  async build(contextDir: string, dockerfileText: string, o: BuildOptions, emit: (m: BuildMessage) => void, signal?: AbortSignal): Promise<BuildResult> {
    hostPlatform(o.platform);
    const tags = o.tags.map((t) => ImageService.normaliseTag(t));
    const df = parseDockerfile(dockerfileText, o.dockerfileName);
    const escape = df.directives.escape;
    // ARGs before FROM: defaults, overridden by --build-arg, usable in FROM lines.
    const meta = new Map<string, string>();
    const consumed = new Set<string>();
    for (const a of df.metaArgs.flatMap((m) => m.args)) {
      consumed.add(a.name);
      const v = o.buildArgs[a.name] ?? (a.value !== undefined ? expand(a.value, (n) => meta.get(n), escape) : undefined);
      if (v !== undefined) meta.set(a.name, v);
    }
    const fromOf = (s: Stage) => expand(s.from.image, (n) => meta.get(n), escape);
    const resolve = (ref: string, before: number): number | undefined => {
      const byName = df.stages.findIndex((s, i) => i < before && s.name === ref.toLowerCase());
      if (byName >= 0) return byName;
      if (/^\d+$/.test(ref) && Number(ref) < before) return Number(ref);
      return undefined;
    };
    let target = df.stages.length - 1;
    if (o.target) {
      target = df.stages.findIndex((s) => s.name === o.target!.toLowerCase());
      if (target < 0) throw new InvalidParameterError(`failed to reach build target ${o.target} in Dockerfile`);
    }
    const stages = df.stages.map((s) => ({ ...s, instructions: [...s.instructions] }));
    if (Object.keys(o.labels).length) {
      // The classic builder appends --label as one LABEL step of the target stage.
      const text = Object.entries(o.labels).map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(' ');
      stages[target]!.instructions.push(parseInstruction({ line: 0, endLine: 0, keyword: 'LABEL', rest: text, heredocs: [] }, '\\'));
    }
    // `COPY --from=$STAGE` names its stage through the ARGs before FROM.
    const order = neededStages({ ...df, stages }, target, (ref, before) => resolve(expand(ref, (n) => meta.get(n), escape), before), fromOf);
    for (const i of order) for (const ins of stages[i]!.instructions) if (ins.kind === 'ARG') for (const a of ins.args) consumed.add(a.name);
    const total = order.reduce((n, i) => n + 1 + stages[i]!.instructions.length, 0);
    const cacheFrom = await this.cacheFromSet(o.cacheFrom);
    const output = new StageOutput(order, o.quiet ? () => undefined : (m) => emit(typeof m === 'string' ? { stream: m } : m));
    const bases = new BaseImages(this.d, { pull: o.pull, auth: o.registryAuth ?? {}, platform: o.platform });
    const results = new Map<number, Promise<ImageState>>();
    let stepNo = 0;
    const firstStep = new Map<number, number>();
    for (const i of order) {
      firstStep.set(i, stepNo + 1);
      stepNo += 1 + stages[i]!.instructions.length;
    }
    const abort = new AbortController();
    const onAbort = () => abort.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort);
    const buildStage = async (i: number): Promise<ImageState> => {
      const st = stages[i]!;
      const out = o.live && !o.quiet ? (text: string) => emit({ stream: text, id: `#${i}` }) : output.writer(i);
      // Pull progress: Docker's messages when in order, else (held, or the live view) as status lines.
      const progress = o.live && !o.quiet ? (m: ProgressMessage) => void (!m.progress && out(`${statusLine(m)}\n`)) : output.progressWriter(i);
      let n = firstStep.get(i)!;
      const from = fromOf(st);
      out(`Step ${n++}/${total} : ${st.from.original}\n`);
      if (typeof st.from.flags.platform === 'string') hostPlatform(expand(st.from.flags.platform, (k) => meta.get(k), escape));
      const dep = resolve(from, i);
      let base: ImageState;
      if (dep !== undefined) base = await results.get(dep)!;
      else if (from === 'scratch') base = scratchState();
      else base = await imageState(this.d.images, await bases.get(from, progress, abort.signal));
      out(` ---> ${base.id ? short(base.id) : 'scratch'}\n`);
      const state: ImageState = { ...base, config: { ...base.config, config: withDefaultPath({ ...(base.config.config ?? {}), OnBuild: null }) } };
      const run = new StageRun(this.d, {
        noCache: o.noCache, explain: o.explain, network: o.network, cacheFrom, buildArgs: o.buildArgs, contextDir, escape, signal: abort.signal,
      }, state, out, (ref) => this.source(ref, i, resolve, results, (name) => bases.get(name, progress, abort.signal)), meta);
      const triggers = base.config.config?.OnBuild ?? [];
      if (triggers.length) {
        out(`# Executing ${triggers.length} build trigger${triggers.length === 1 ? '' : 's'}\n`);
        for (const t of triggers) await run.step(this.trigger(t));
      }
      for (const ins of st.instructions) {
        out(`Step ${n++}/${total} : ${ins.original}\n`);
        await run.step(ins);
      }
      if (!run.state.id) run.state = await imageState(this.d.images, await this.d.images.createImage({ config: run.state.config, layers: [] }));
      return run.state;
    };
    try {
      for (const i of order) {
        const p = buildStage(i);
        results.set(i, p);
        // One failing stage stops the others.
        p.then(() => output.done(i), () => abort.abort());
      }
      const settled = await Promise.allSettled(order.map((i) => results.get(i)!));
      const failed = settled.find((s) => s.status === 'rejected');
      if (failed) {
        output.flushAll();
        throw (failed as PromiseRejectedResult).reason;
      }
      const final = await results.get(target)!;
      const id = final.id!;
      const unused = Object.keys(o.buildArgs).filter((k) => !consumed.has(k) && !PROXY_NAMES.has(k));
      if (unused.length) output.final(`[Warning] One or more build-args [${unused.join(' ')}] were not consumed\n`);
      if (o.quiet) emit({ stream: `${id}\n` });
      emit({ aux: { ID: id } });
      output.final(`Successfully built ${short(id)}\n`);
      for (const t of tags) {
        await this.d.images.tag(id, t);
        output.final(`Successfully tagged ${familiarString(parseNormalizedNamed(t))}\n`);
      }
      return { id, tags };
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  private async source(ref: string, stage: number, resolve: (ref: string, before: number) => number | undefined, results: Map<number, Promise<ImageState>>, image: (name: string) => Promise<ImageRecord>): Promise<ImageState> {
    const dep = resolve(ref, stage);
    const built = dep === undefined ? undefined : results.get(dep);
    if (built) return built;
    if (dep !== undefined) throw new InvalidParameterError(`stage ${ref} is not part of this build`);
    return imageState(this.d.images, await image(ref));
  }

  private trigger(text: string): Instruction {
    const m = /^\s*(\S+)\s*([\s\S]*)$/.exec(text);
    return parseInstruction({ line: 0, endLine: 0, keyword: m?.[1] ?? '', rest: (m?.[2] ?? '').trim(), heredocs: [] }, '\\');
  }

  /** --cache-from: only steps these images (and their parents) went through count as hits. */
  private async cacheFromSet(names: string[]): Promise<Set<string> | undefined> {
    if (names.length === 0) return undefined;
    const set = new Set<string>();
    for (const n of names) {
      const rec = this.d.images.store.lookup(n);
      for (let r = rec; r; r = r.parent ? this.d.images.store.get(r.parent) : undefined) set.add(r.id);
    }
    return set;
  }

  /** `tug builder prune`: forgets the cache and removes the images only it kept. */
  async prune(): Promise<{ CachesDeleted: string[] | null; SpaceReclaimed: number }> {
    const deleted: string[] = [];
    const images = new Set<string>();
    // Image removal collects garbage itself: the space freed is what the layer store lost.
    const sizes = new Map<string, number>();
    for (const chain of await this.d.images.layers.list()) sizes.set(chain, (await this.d.images.layers.get(chain))?.size ?? 0);
    for (const e of this.d.cache.entries()) {
      images.add(e.image);
      await this.d.cache.delete(e.key);
      deleted.push(e.key);
    }
    for (const name of await readdir(this.d.cacheMountRoot).catch(() => [] as string[])) {
      await rm(join(this.d.cacheMountRoot, name), { recursive: true, force: true });
      deleted.push(`cache-mount:${name}`);
    }
    // Leaves first: an intermediate image goes once nothing is built on it and it has no tag.
    let changed = true;
    while (changed) {
      changed = false;
      for (const id of images) {
        const rec = this.d.images.store.get(id);
        if (!rec) {
          images.delete(id);
          continue;
        }
        if (this.d.images.store.refsOf(id).length || this.d.images.store.children(id).length || this.d.images.users.count(id)) continue;
        await this.d.images.remove(id, { noprune: true }).catch(() => undefined);
        images.delete(id);
        changed = true;
      }
    }
    await this.d.images.collectGarbage();
    const left = new Set(await this.d.images.layers.list());
    const reclaimed = [...sizes].reduce((n, [chain, size]) => n + (left.has(chain) ? 0 : size), 0);
    return { CachesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
  }

  /** A temporary directory for one build's context. */
  async contextDir(): Promise<string> {
    const dir = join(this.d.tmpRoot, `ctx-${randomBytes(8).toString('hex')}`);
    await mkdir(dir, { recursive: true });
    return dir;
  }
}

const PROXY_NAMES = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);
