// tug top, diff, export and commit: the processes of a container, the changes to its
// filesystem, that filesystem as a tar, and a new image from it.
import { createWriteStream, lstatSync, statSync } from 'node:fs';
import { chmod, rename, rm } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { FilesystemChange } from '../../../types/container-views.js';
import { parseNormalizedNamed, repositoryName, tagNameOnly } from '../../../reference/index.js';
import { tabwrite } from '../../format/tabwriter.js';
import { goFileError } from '../../run/security.js';
import { absPath } from '../../run/mounts.js';
import { goDir } from './cp-paths.js';
import { ExitError, client, collect, out, run } from '../../context.js';

/** `docker top`'s table: Go's tabwriter with a minimum cell width of 20. */
export function topTable(titles: readonly string[], processes: readonly (readonly string[])[]): string {
  const lines = [titles.join('\t'), ...processes.map((p) => p.join('\t'))];
  return tabwrite(`${lines.join('\n')}\n`, { minwidth: 20, padding: 3, padchar: ' ' });
}

/** `docker diff`'s lines: "A /new", "C /changed", "D /gone". */
export function diffLines(changes: readonly FilesystemChange[]): string {
  const kinds: Record<number, string> = { 0: 'C', 1: 'A', 2: 'D' };
  return changes.map((c) => `${kinds[c.Kind] ?? String(c.Kind)} ${c.Path}\n`).join('');
}

/** commit's REPOSITORY[:TAG]: normalized, tag "latest" by default, digests refused. */
export function commitReference(reference: string): { repo: string; tag: string } {
  if (!reference) return { repo: '', tag: '' };
  const ref = parseNormalizedNamed(reference);
  if (ref.digest !== undefined) throw new ExitError(1, 'refusing to create a tag with a digest reference');
  const tagged = tagNameOnly(ref);
  return { repo: repositoryName(tagged), tag: tagged.tag ?? '' };
}

/** atomicwriter's validateDestination: an existing directory to write in, and no special file to replace. */
export function exportDestinationError(fileName: string): string | undefined {
  if (fileName === '') return 'file name is empty';
  const dir = goDir(fileName);
  if (dir !== '.' && dir !== '..') {
    try {
      if (!statSync(dir).isDirectory()) return `invalid output path: stat ${dir}: not a directory`;
    } catch (err) {
      return `invalid output path: ${goFileError('stat', dir, err)}`;
    }
  }
  let st;
  try {
    st = lstatSync(fileName);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' ? undefined : `failed to stat output path: ${goFileError('lstat', fileName, err)}`;
  }
  if (st.isFile()) return undefined;
  if (st.isDirectory()) return 'cannot write to a directory';
  if (st.isSymbolicLink()) return 'cannot write to a symbolic link directly';
  if (st.isFIFO()) return 'cannot write to a named pipe (FIFO)';
  if (st.isSocket()) return 'cannot write to a socket';
  return st.isCharacterDevice() ? 'cannot write to a character device file' : 'cannot write to a block device file';
}

/** moby's atomicwriter: a temporary file beside the target, renamed over it once complete. */
async function exportTo(output: string, name: string): Promise<void> {
  const invalid = exportDestinationError(output);
  if (invalid) throw new ExitError(1, `failed to export container: ${invalid}`);
  const target = absPath(output, process.cwd());
  const tmp = `${dirname(target)}/.tmp-${basename(output)}${Math.floor(Math.random() * 1e9)}`;
  const file = createWriteStream(tmp, { flags: 'wx', mode: 0o600 });
  try {
    await new Promise<void>((resolve, reject) => {
      file.once('open', () => resolve());
      file.once('error', reject);
    });
  } catch (err) {
    throw new ExitError(1, `failed to export container: ${goFileError('open', tmp, err)}`);
  }
  try {
    await pipeline(await client().containers.export(name), file);
    await chmod(tmp, 0o600);
    await rename(tmp, target);
  } catch (err) {
    file.destroy();
    await rm(tmp, { force: true });
    throw err;
  }
}

async function exportContainer(name: string, flags: { output?: string }): Promise<void> {
  if (flags.output) return exportTo(flags.output, name);
  if (process.stdout.isTTY) throw new ExitError(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
  await pipeline(await client().containers.export(name), process.stdout, { end: false });
}

interface CommitFlags {
  author?: string;
  change?: string[];
  message?: string;
  pause?: boolean;
}

async function commit(name: string, reference: string | undefined, flags: CommitFlags): Promise<void> {
  let target;
  try {
    target = commitReference(reference ?? '');
  } catch (err) {
    throw err instanceof ExitError ? err : new ExitError(1, (err as Error).message);
  }
  const res = await client().containers.commit(name, {
    ...target,
    comment: flags.message,
    author: flags.author,
    changes: flags.change,
    pause: flags.pause !== false,
  });
  out(`${res.Id}\n`);
}

export function registerFilesystemCommands(program: Command, container: Command): void {
  for (const parent of [program, container]) {
    parent.command('top').description('Display the running processes of a container').usage('CONTAINER [ps OPTIONS]')
      .argument('<CONTAINER>').argument('[ps OPTIONS...]')
      .passThroughOptions()
      .allowUnknownOption()
      .action((name: string, psArgs: string[]) => run(async () => {
        const top = await client().containers.top(name, psArgs);
        out(topTable(top.Titles, top.Processes ?? []));
      }));
    parent.command('diff').description("Inspect changes to files or directories on a container's filesystem").usage('CONTAINER')
      .argument('<CONTAINER>')
      .action((name: string) => run(async () => {
        if (name === '') throw new ExitError(1, 'Container name cannot be empty');
        out(diffLines(await client().containers.changes(name)));
      }));
    parent.command('export').description("Export a container's filesystem as a tar archive").usage('[OPTIONS] CONTAINER')
      .argument('<CONTAINER>')
      .option('-o, --output <string>', 'Write to a file, instead of STDOUT')
      .action((name: string, flags: { output?: string }) => run(() => exportContainer(name, flags)));
    parent.command('commit').description("Create a new image from a container's changes").usage('[OPTIONS] CONTAINER [REPOSITORY[:TAG]]')
      .argument('<CONTAINER>').argument('[REPOSITORY[:TAG]]')
      .passThroughOptions()
      .option('-a, --author <string>', 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")')
      .option('-c, --change <list>', 'Apply Dockerfile instruction to the created image', collect)
      .option('-m, --message <string>', 'Commit message')
      .option('-p, --pause', 'Pause container during commit (default true)', true)
      .action((name: string, reference: string | undefined, flags: CommitFlags) => run(() => commit(name, reference, flags)));
  }
}
