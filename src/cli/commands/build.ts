// tug build / tug image build / tug builder prune: the context is made here (as the docker CLI
// makes it) and streamed to POST /build; the daemon's step output is printed as it comes.
import { createReadStream, statSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import { DaemonError, readAll } from '../../client/index.js';
import { imageBuild, buildPrune } from '../../client/build.js';
import { directoryContext } from '../../client/build-context.js';
import { humanSize } from '../format/units.js';
import { registryConfigHeader } from '../registry/credentials.js';
import { progressDisplay } from '../registry/progress.js';
import { LiveView } from './build-tty.js';
import { ExitError, client, collect, confirm, out, run } from '../context.js';

export interface BuildFlags {
  tag?: string[];
  file?: string;
  buildArg?: string[];
  label?: string[];
  target?: string;
  quiet?: boolean;
  iidfile?: string;
  progress?: string;
  network?: string;
  cache?: boolean;
  pull?: boolean;
  platform?: string;
  cacheFrom?: string[];
}

/** `K=V`, or `K` alone taking the value from the environment (skipped when unset), as docker does. */
export function keyValueFlags(list: string[] | undefined, env: NodeJS.ProcessEnv, flag: string): Record<string, string> {
  const outMap: Record<string, string> = {};
  for (const item of list ?? []) {
    const i = item.indexOf('=');
    if (i === 0) throw new ExitError(125, `invalid argument "${item}" for "${flag}" flag: invalid key-value pair`);
    if (i < 0) {
      if (flag === '--label') outMap[item] = '';
      else if (env[item] !== undefined) outMap[item] = env[item]!;
      continue;
    }
    outMap[item.slice(0, i)] = item.slice(i + 1);
  }
  return outMap;
}

async function context(path: string, flags: BuildFlags): Promise<{ body: Readable; dockerfile: string }> {
  if (/^(https?|git):\/\//.test(path) || path.startsWith('git@')) throw new ExitError(1, 'ERROR: remote build contexts are not supported by tug yet; clone or download it and build the directory');
  if (path === '-') {
    if (flags.file === '-') throw new ExitError(1, 'ERROR: invalid argument: can\'t use stdin for both build context and dockerfile');
    return { body: process.stdin, dockerfile: flags.file ?? '' };
  }
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new ExitError(1, `ERROR: unable to prepare context: path "${path}" not found`);
  }
  if (isFile) return { body: createReadStream(path), dockerfile: flags.file ?? '' };
  const text = flags.file === '-' ? await readAll(process.stdin) : undefined;
  return directoryContext(path, flags.file === '-' ? undefined : flags.file, text);
}

async function build(path: string, flags: BuildFlags): Promise<void> {
  const progress = flags.progress ?? 'auto';
  if (!['auto', 'plain', 'tty', 'quiet', 'rawjson'].includes(progress)) throw new ExitError(1, `ERROR: invalid progress mode: ${progress}`);
  const quiet = !!flags.quiet || progress === 'quiet';
  const ctx = await context(path, flags).catch((err: unknown) => {
    if (err instanceof ExitError) throw err;
    throw new ExitError(1, `ERROR: ${err instanceof Error ? err.message.replace(/^unable to prepare context: /, 'unable to prepare context: ') : String(err)}`);
  });
  const live = !quiet && (progress === 'tty' || (progress === 'auto' && process.stdout.isTTY)) ? new LiveView((t) => out(t), process.stdout.columns || 100) : undefined;
  let id = '';
  try {
    const stream = imageBuild(client().transport, ctx.body, {
      tags: flags.tag ?? [],
      dockerfile: ctx.dockerfile,
      buildArgs: keyValueFlags(flags.buildArg, process.env, '--build-arg'),
      labels: keyValueFlags(flags.label, process.env, '--label'),
      target: flags.target,
      noCache: flags.cache === false,
      pull: flags.pull,
      quiet,
      cacheFrom: flags.cacheFrom,
      network: flags.network,
      platform: flags.platform,
      progress: live ? 'tty' : progress === 'plain' ? 'plain' : undefined,
      registryConfig: registryConfigHeader(),
    });
    // Pulled base images: their status lines, no bars (the live view gets them as lines).
    const pulls = progressDisplay({ write: (s: string) => out(s), isTTY: false });
    for await (const msg of stream) {
      if (msg.aux && typeof msg.aux.ID === 'string') id = msg.aux.ID;
      else if (live) live.add(msg);
      else if (!quiet) pulls.show(msg);
    }
    live?.finish();
  } catch (err) {
    live?.finish();
    // A failed step: docker prints the daemon's message as it is, and the build fails.
    if (err instanceof DaemonError && err.status === 500) throw new ExitError(1, err.message);
    throw err;
  }
  if (quiet) out(`${id}\n`);
  if (flags.iidfile) await writeFile(flags.iidfile, id);
}

async function prune(flags: { force?: boolean; all?: boolean }): Promise<void> {
  if (!flags.force && !(await confirm(`WARNING! This will remove all ${flags.all ? '' : 'dangling '}build cache.\nAre you sure you want to continue?`))) return;
  const res = await buildPrune(client().transport);
  const deleted = res.CachesDeleted ?? [];
  if (deleted.length) out(`Deleted build cache objects:\n${deleted.map((d) => `${d}\n`).join('')}\n`);
  out(`Total reclaimed space: ${humanSize(res.SpaceReclaimed)}\n`);
}

export function registerBuildCommands(program: Command, image: Command): void {
  for (const cmd of [program.command('build'), image.command('build')]) {
    cmd.description('Build an image from a Dockerfile')
      .argument('<PATH|URL|->')
      .option('-t, --tag <name:tag>', 'Name and optionally a tag in the "name:tag" format', collect)
      .option('-f, --file <string>', 'Name of the Dockerfile (default: "PATH/Dockerfile")')
      .option('--build-arg <stringArray>', 'Set build-time variables', collect)
      .option('--label <stringArray>', 'Set metadata for an image', collect)
      .option('--target <string>', 'Set the target build stage to build')
      .option('-q, --quiet', 'Suppress the build output and print image ID on success')
      .option('--iidfile <string>', 'Write the image ID to the file')
      .option('--progress <string>', 'Set type of progress output (auto, plain, tty, quiet)')
      .option('--network <string>', 'Set the networking mode for the RUN instructions during build')
      .option('--no-cache', 'Do not use cache when building the image')
      .option('--pull', 'Always attempt to pull all referenced images')
      .option('--platform <string>', 'Set target platform for build')
      .option('--cache-from <stringArray>', 'External cache sources', collect)
      .option('--rm', 'Remove intermediate containers after a successful build (always)')
      .option('--force-rm', 'Always remove intermediate containers (always)')
      .action((path: string, flags: BuildFlags) => run(() => build(path, flags)));
  }
  const builder = program.command('builder').description('Manage builds').usage('COMMAND');
  builder.command('prune')
    .description('Remove build cache')
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('-a, --all', 'Remove all unused build cache, not just dangling ones')
    .action((flags: { force?: boolean; all?: boolean }) => run(() => prune(flags)));
}

