// One stage of a build: FROM, then each instruction as a step that is either found in the
// cache or executed (RUN in a container, COPY/ADD into a mounted rootfs, metadata in the config).
import { randomBytes } from 'node:crypto';
import { lstatSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { ContainerService } from '../containers/service.js';
import type { DistributionService } from '../distribution/index.js';
import { InvalidParameterError } from '../errors.js';
import type { ImageService } from '../images/service.js';
import type { ImageRunConfig } from '../images/types.js';
import { resolveUser } from '../runtime/spec/user.js';
import type { SnapshotStore } from '../storage/snapshots.js';
import { tarDirectory } from '../storage/tardir.js';
import { chainIDs, sha256Digest } from '../storage/digest.js';
import { addSources, type AddSources } from './add.js';
import { explainMiss, keyOf, slotOf, type BuildCache, type CacheInputs } from './cache.js';
import { commitConfig, commitLayer, sourceLabel, type ImageState } from './commit.js';
import { executeCopy, executeMkdir, parseChmod, writeHeredocFile, type CopyPlan, type Ownership } from './copy.js';
import { expand, type Instruction, type Lookup } from './dockerfile/index.js';
import { resolveInRoot } from './fsroot.js';
import { applyMetadata, commandArgv, nopCreatedBy } from './metadata.js';
import { STEP_MOUNTPOINTS, buildNetworkMode, dropMountpoints, runStep } from './run.js';
import { cacheMounts } from './mounts.js';

export interface StageDeps {
  images: ImageService;
  /** The registry client, for base images not here (and --pull). */
  distribution: DistributionService;
  containers: ContainerService;
  /** Overlay mounts for COPY and for reading other stages (their own root, swept at start). */
  mounts: SnapshotStore;
  cache: BuildCache;
  cacheMountRoot: string;
  tmpRoot: string;
}

export interface StageOptions {
  noCache: boolean;
  explain: boolean;
  network?: string;
  /** Images whose ancestry may serve cache hits (--cache-from); empty: the whole cache. */
  cacheFrom?: Set<string>;
  /** Build args given with --build-arg. */
  buildArgs: Record<string, string>;
  contextDir: string;
  escape: string;
  signal?: AbortSignal;
}

const PROXY_ARGS = ['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];

export class StageRun {
  cmdSet = false;
  /** ARGs declared in this stage, with their values. */
  readonly args = new Map<string, string>();
  private previousMissed = false;

  constructor(
    private readonly d: StageDeps,
    private readonly o: StageOptions,
    public state: ImageState,
    private readonly out: (text: string) => void,
    /** Another stage's or image's state for COPY --from. */
    private readonly source: (ref: string) => Promise<ImageState>,
    private readonly metaArgs: Map<string, string>,
  ) {}

  get runConfig(): ImageRunConfig {
    return this.state.config.config ?? {};
  }

  lookup(): Lookup {
    const env = new Map<string, string>();
    for (const e of this.runConfig.Env ?? []) {
      const i = e.indexOf('=');
      if (i > 0) env.set(e.slice(0, i), e.slice(i + 1));
    }
    // ENV wins over ARG of the same name, as in Docker.
    return (n) => env.get(n) ?? this.args.get(n);
  }

  private shell(): string[] {
    return this.runConfig.Shell?.length ? this.runConfig.Shell : ['/bin/sh', '-c'];
  }

  private x(w: string): string {
    return expand(w, this.lookup(), this.o.escape);
  }

  /** The cached image for `inputs`, or runs `exec` and records what it made. */
  private async cached(inputs: CacheInputs, what: string, exec: () => Promise<ImageState>): Promise<void> {
    const key = keyOf(inputs);
    if (!this.o.noCache) {
      const hit = this.d.cache.get(key);
      const rec = hit && this.d.images.store.get(hit.image);
      if (rec && (!this.o.cacheFrom?.size || this.o.cacheFrom.has(rec.id))) {
        this.state = { id: rec.id, config: await this.d.images.config(rec), layers: rec.layers };
        this.out(` ---> Using cache\n ---> ${short(rec.id)}\n`);
        this.previousMissed = false;
        return;
      }
      if (this.o.explain) {
        const reason = this.previousMissed ? 'the step before it was rebuilt' : explainMiss(inputs, this.d.cache.lastInSlot(slotOf(inputs)));
        this.out(` ---> Cache miss: ${what}: ${reason}\n`);
      }
    }
    this.state = await exec();
    this.previousMissed = true;
    await this.d.cache.put(inputs, this.state.id!);
    this.out(` ---> ${short(this.state.id!)}\n`);
  }

  async step(ins: Instruction): Promise<void> {
    this.o.signal?.throwIfAborted();
    const parent = this.state.id ?? 'scratch';
    switch (ins.kind) {
      case 'RUN':
        return this.run(ins, parent);
      case 'COPY':
      case 'ADD':
        return this.copy(ins, parent);
      case 'ARG': {
        for (const a of ins.args) {
          const given = this.o.buildArgs[a.name];
          const value = given ?? (a.value !== undefined ? this.x(a.value) : this.metaArgs.get(a.name));
          if (value !== undefined) this.args.set(a.name, value);
          else this.args.delete(a.name);
        }
        return this.metadata(ins, parent, ins.original);
      }
      case 'MAINTAINER':
        return this.cached({ parent, instruction: ins.original }, ins.original, () => {
          this.state.config = { ...this.state.config, author: ins.value };
          return commitConfig(this.d.images, this.state, this.runConfig, nopCreatedBy(ins, ins.original));
        });
      case 'FROM':
        throw new InvalidParameterError('FROM inside a stage');
      default:
        return this.metadata(ins, parent, this.expandedText(ins));
    }
  }

  /** The instruction with variables substituted where Docker substitutes them. */
  private expandedText(ins: Instruction): string {
    if (ins.kind === 'CMD' || ins.kind === 'ENTRYPOINT' || ins.kind === 'HEALTHCHECK' || ins.kind === 'SHELL' || ins.kind === 'ONBUILD') return ins.original;
    const rest = ins.original.slice(ins.kind.length).trim();
    return `${ins.kind} ${this.x(rest)}`;
  }

  private async metadata(ins: Instruction, parent: string, text: string): Promise<void> {
    await this.cached({ parent, instruction: text }, text, () => {
      const { config, cmdSet } = applyMetadata(this.runConfig, ins, { lookup: this.lookup(), escape: this.o.escape, shell: this.shell() }, this.cmdSet);
      this.cmdSet = cmdSet;
      if (ins.kind === 'WORKDIR' && config.WorkingDir) return this.workdir(config, nopCreatedBy(ins, text));
      return commitConfig(this.d.images, this.state, config, nopCreatedBy(ins, text));
    });
    // A hit must still track CMD for a later ENTRYPOINT.
    if (ins.kind === 'CMD') this.cmdSet = true;
  }

  /** WORKDIR makes its directory when the image lacks it (a layer then), as the classic builder does. */
  private async workdir(config: ImageRunConfig, createdBy: string): Promise<ImageState> {
    const snap = `workdir-${randomBytes(8).toString('hex')}`;
    await this.d.mounts.prepare(snap, this.state.layers.map((l) => l.chainID));
    try {
      const root = await this.d.mounts.mount(snap);
      let exists = false;
      try {
        exists = lstatSync(resolveInRoot(root, config.WorkingDir!)).isDirectory();
      } catch {
        // made below
      }
      if (exists) return await commitConfig(this.d.images, this.state, config, createdBy);
      executeMkdir(root, config.WorkingDir!);
      this.d.mounts.unmount(snap);
      const tar = tarDirectory(this.d.mounts.upperDir(snap), { overlayWhiteouts: true });
      return await commitLayer(this.d.images, this.state, tar, config, createdBy, this.o.signal);
    } finally {
      await this.d.mounts.remove(snap);
    }
  }

  /** Build args that RUN sees: declared ones with a value, and the proxy args even undeclared. */
  private runArgs(): { keyed: Record<string, string>; proxies: string[] } {
    const keyed: Record<string, string> = {};
    for (const [k, v] of this.args) if (!PROXY_ARGS.includes(k)) keyed[k] = v;
    const proxies = PROXY_ARGS.filter((p) => this.o.buildArgs[p] !== undefined).map((p) => `${p}=${this.o.buildArgs[p]}`);
    return { keyed, proxies };
  }

  private async run(ins: Extract<Instruction, { kind: 'RUN' }>, parent: string): Promise<void> {
    if (!this.state.id) throw new InvalidParameterError(`${ins.original}: RUN needs a base image with a shell (this stage is FROM scratch)`);
    let argv = commandArgv(ins.command, this.shell());
    if (ins.heredocs.length && 'shell' in ins.command) {
      const doc = ins.heredocs[0]!;
      // `RUN <<EOF` alone runs the document as the script; otherwise the shell reads the heredocs itself.
      const alone = /^<<-?\s*["']?\w+["']?$/.test(ins.command.shell.trim());
      const script = alone ? doc.content : `${ins.command.shell}\n${ins.heredocs.map((h) => `${h.content}${h.name}\n`).join('')}`;
      argv = [...this.shell(), script];
    }
    const { keyed, proxies } = this.runArgs();
    const prefix = Object.keys(keyed).length ? `|${Object.keys(keyed).length} ${Object.entries(keyed).map(([k, v]) => `${k}=${v}`).join(' ')} ` : '';
    const shown = argv.join(' ');
    const mounts = cacheMounts(ins.flags.mount, this.d.cacheMountRoot, (w) => this.x(w));
    const flagText = Object.entries(ins.flags).map(([k, v]) => `--${k}=${String(v)}`).join(' ');
    await this.cached({ parent, instruction: `RUN ${flagText} ${JSON.stringify(argv)}`, args: keyed }, ins.original, async () => {
      for (const m of mounts) await mkdir(m.host, { recursive: true });
      const env = [...(this.runConfig.Env ?? []), ...Object.entries(keyed).map(([k, v]) => `${k}=${v}`), ...proxies];
      const id = await runStep(this.d.containers, {
        image: this.state.id!, argv, config: this.runConfig, env, shown,
        networkMode: buildNetworkMode(typeof ins.flags.network === 'string' ? ins.flags.network : this.o.network),
        binds: mounts.map((m) => `${m.host}:${m.target}`),
        output: this.out, signal: this.o.signal,
      });
      try {
        this.out(`Removing intermediate container ${id.slice(0, 12)}\n`);
        const upper = upperOf(this.d.containers, id);
        dropMountpoints(upper, this.state.layers.map((l) => this.d.images.layers.diffPath(l.chainID)), [...STEP_MOUNTPOINTS, ...mounts.map((m) => m.target)]);
        const tar = tarDirectory(upper, { overlayWhiteouts: true });
        return await commitLayer(this.d.images, this.state, tar, this.runConfig, `${prefix}${shown}`, this.o.signal);
      } finally {
        await this.d.containers.remove(id, { force: true });
      }
    });
  }

  private async owner(root: string, chown: string | true | undefined): Promise<Ownership> {
    if (chown === undefined) return { uid: 0, gid: 0 };
    if (chown === true) throw new InvalidParameterError('missing a value on flag: chown');
    const spec = this.x(chown);
    const read = (f: string) => readFile(resolveInRoot(root, f), 'utf8').catch(() => undefined);
    const u = resolveUser(spec, await read('/etc/passwd'), await read('/etc/group'));
    // A user without a group gets the same number as its gid (Docker's --chown rule).
    return { uid: u.uid, gid: spec.includes(':') ? u.gid : u.uid };
  }

  private async copy(ins: Extract<Instruction, { kind: 'COPY' | 'ADD' }>, parent: string): Promise<void> {
    const lookup = this.lookup();
    // A stage name in --from may come from the ARGs before FROM, as the stage graph reads it.
    const from = typeof ins.flags.from === 'string' ? expand(ins.flags.from, (n) => lookup(n) ?? this.metaArgs.get(n), this.o.escape) : undefined;
    if (ins.kind === 'ADD' && from) throw new InvalidParameterError('ADD does not support --from');
    for (const f of ['parents', 'keep-git-dir']) {
      if (ins.flags[f] !== undefined) throw new InvalidParameterError(`${ins.kind} --${f} is not supported by tug's builder yet`);
    }
    // `<<EOF` words name heredocs, which are files of their own.
    const sources = ins.sources.filter((s) => !(ins.heredocs.length && /^<<-?["']?\w+["']?$/.test(s))).map((s) => this.x(s));
    let dest = this.x(ins.dest);
    if (!dest.startsWith('/')) dest = `${(this.runConfig.WorkingDir || '/').replace(/\/$/, '')}/${dest}`;
    // `.` and `..` at the end name a directory, as a trailing slash does (`COPY package.json .`).
    if (/(^|\/)\.\.?$/.test(dest)) dest = `${posix.normalize(dest).replace(/\/$/, '')}/`;
    const mode = parseChmod(ins.flags.chmod);
    let fromMount: string | undefined;
    let added: AddSources | undefined;
    try {
      let plan: CopyPlan = { sources: [], files: {} };
      if (sources.length) {
        let root = this.o.contextDir;
        if (from) {
          const src = await this.source(from);
          fromMount = `from-${randomBytes(8).toString('hex')}`;
          await this.d.mounts.prepare(fromMount, chainIDs(src.config.rootfs.diff_ids));
          root = await this.d.mounts.mount(fromMount);
        }
        const checksum = typeof ins.flags.checksum === 'string' ? this.x(ins.flags.checksum) : undefined;
        const exclude = typeof ins.flags.exclude === 'string' ? ins.flags.exclude.split('\n').map((e) => this.x(e)) : [];
        added = await addSources(ins.kind, root, sources, !!from, this.d.tmpRoot, this.o.signal, checksum, exclude);
        plan = added.plan;
      }
      for (const h of ins.heredocs) plan.files[`<<${h.name}`] = sha256Digest(h.expand ? this.x(h.content.replace(/\n$/, '')) : h.content);
      const shownText = `${ins.kind} ${from ? `--from=${from} ` : ''}${sources.length ? sourceLabel(plan.files, plan.sources) : 'heredoc'} in ${dest} `;
      const flagText = Object.entries(ins.flags).map(([k, v]) => `--${k}=${k === 'from' ? from : String(v)}`).join(' ');
      const text = `${ins.kind} ${flagText} ${JSON.stringify([...sources, dest])}`;
      await this.cached({ parent, instruction: text, files: plan.files }, `${ins.kind} ${[...sources, dest].join(' ')}`, async () => {
        const snap = `copy-${randomBytes(8).toString('hex')}`;
        await this.d.mounts.prepare(snap, this.state.layers.map((l) => l.chainID));
        try {
          const root = await this.d.mounts.mount(snap);
          const owner = await this.owner(root, ins.flags.chown);
          executeCopy(plan, { root, dest, owner, mode });
          for (const h of ins.heredocs) writeHeredocFile(root, dest, h.name, h.expand ? this.x(h.content) : h.content, { owner, mode });
          this.d.mounts.unmount(snap);
          const tar = tarDirectory(this.d.mounts.upperDir(snap), { overlayWhiteouts: true });
          return await commitLayer(this.d.images, this.state, tar, this.runConfig, nopCreatedBy(ins, shownText), this.o.signal);
        } finally {
          await this.d.mounts.remove(snap);
        }
      });
    } finally {
      await added?.cleanup();
      if (fromMount) await this.d.mounts.remove(fromMount);
    }
  }
}

function upperOf(containers: ContainerService, id: string): string {
  return join(containers.rootfs(id), '..', 'diff');
}

export function short(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
