// tug cp: docker/cli's copyFromContainer and copyToContainer. The daemon only tars and untars;
// the client stats both ends and renames the tar's entries so that the copy lands where
// `cp -r` would put it. `-` means a tar on stdin or stdout.
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { ContainerClient } from '../../../client/containers.js';
import type { PathStat } from '../../../types/container-views.js';
import { humanSizeWithPrecision } from '../../format/units.js';
import { ExitError, client, run } from '../../context.js';
import { copyInfoDestinationPath, copyInfoSourcePath, tarResource, untar, validateOutputPath } from './cp-archive.js';
import {
  CopyError, destinationError, getRebaseName, goJoin, isDirMode, isSymlinkMode, outputPathModeError, prepareArchiveCopy,
  rebaseEntryName, resolveLocalPath, splitCpArg, splitPathDirEntry, type CopyInfo,
} from './cp-paths.js';

export interface CpFlags {
  followLink?: boolean;
  archive?: boolean;
  quiet?: boolean;
}

interface CpConfig {
  container: string;
  srcPath: string;
  dstPath: string;
  followLink: boolean;
  copyUIDGID: boolean;
  quiet: boolean;
}

const size = (n: number) => humanSizeWithPrecision(n, 3);

/** Counts the bytes of `src` as they pass, for "Successfully copied"; errors pass on too. */
function counted(src: Readable): { stream: Readable; total: () => number } {
  let n = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      n += chunk.length;
      cb(null, chunk);
    },
  });
  src.on('error', (err) => stream.destroy(err));
  return { stream: src.pipe(stream), total: () => n };
}

// docker 28's copyProgress asks whether its own stderr wrapper is a terminal, which it never
// is: no progress line is ever drawn, only "Successfully copied …" at the end. tug does the same.

/** Both renames an extracted entry goes through, in order. */
function renamer(...rebases: ([string, string] | undefined)[]): (name: string) => string {
  return (name) => rebases.reduce((n, r) => (r ? rebaseEntryName(n, r[0], r[1]) : n), name);
}

async function copyFromContainer(api: ContainerClient, cfg: CpConfig): Promise<void> {
  let dstPath = cfg.dstPath;
  if (dstPath !== '-') dstPath = resolveLocalPath(dstPath, process.cwd());
  validateOutputPath(dstPath);
  let srcPath = cfg.srcPath;
  let rebaseName = '';
  if (cfg.followLink) {
    const stat = await api.statPath(cfg.container, srcPath).catch(() => undefined);
    if (stat && isSymlinkMode(stat.mode)) {
      let target = stat.linkTarget;
      if (!target.startsWith('/')) target = goJoin(splitPathDirEntry(srcPath)[0], target);
      [srcPath, rebaseName] = getRebaseName(srcPath, target);
    }
  }
  const { stream, stat } = await api.getArchive(cfg.container, srcPath);
  if (dstPath === '-') {
    await pipeline(stream, process.stdout, { end: false });
    return;
  }
  const srcInfo: CopyInfo = { path: srcPath, exists: true, isDir: isDirMode(stat.mode), rebaseName };
  const count = counted(stream);
  const first: [string, string] | undefined = rebaseName ? [splitPathDirEntry(srcInfo.path)[1], rebaseName] : undefined;
  try {
    const dstInfo = copyInfoDestinationPath(dstPath);
    const prepared = prepareArchiveCopy(srcInfo, dstInfo);
    await untar(count.stream, prepared.dstDir, renamer(first, prepared.rebase));
  } finally {
    stream.destroy();
    if (!cfg.quiet) process.stderr.write(`Successfully copied ${size(count.total())} to ${dstPath}\n`);
  }
}

async function statOrError(api: ContainerClient, container: string, path: string): Promise<{ stat?: PathStat; err?: unknown }> {
  try {
    return { stat: await api.statPath(container, path) };
  } catch (err) {
    return { err };
  }
}

async function copyToContainer(api: ContainerClient, cfg: CpConfig): Promise<void> {
  let srcPath = cfg.srcPath;
  if (srcPath !== '-') srcPath = resolveLocalPath(srcPath, process.cwd());
  const dstInfo: CopyInfo = { path: cfg.dstPath, exists: false, isDir: false, rebaseName: '' };
  let dst = await statOrError(api, cfg.container, cfg.dstPath);
  if (dst.stat && isSymlinkMode(dst.stat.mode)) {
    let target = dst.stat.linkTarget;
    if (!target.startsWith('/')) target = goJoin(splitPathDirEntry(cfg.dstPath)[0], target);
    dstInfo.path = target;
    dst = await statOrError(api, cfg.container, target);
  }
  const modeError = outputPathModeError(dst.stat?.mode ?? 0);
  if (modeError) throw new CopyError(`${destinationError(cfg.container, cfg.dstPath, 'must be a directory or a regular file')}: ${modeError}`);
  if (dst.stat) [dstInfo.exists, dstInfo.isDir] = [true, isDirMode(dst.stat.mode)];

  let content: Readable;
  let resolvedDstPath: string;
  if (srcPath === '-') {
    content = process.stdin;
    resolvedDstPath = dstInfo.path;
    if (!dstInfo.isDir) throw new CopyError(destinationError(cfg.container, cfg.dstPath, 'must be a directory'));
  } else {
    const srcInfo = copyInfoSourcePath(srcPath, cfg.followLink);
    const prepared = prepareArchiveCopy(srcInfo, dstInfo);
    resolvedDstPath = prepared.dstDir;
    content = tarResource(srcInfo, renamer(prepared.rebase), (msg) => process.stderr.write(`${msg}\n`));
  }
  const count = counted(content);
  try {
    await api.putArchive(cfg.container, resolvedDstPath, count.stream, { copyUIDGID: cfg.copyUIDGID });
  } finally {
    if (!cfg.quiet) process.stderr.write(`Successfully copied ${size(count.total())} to ${cfg.container}:${dstInfo.path}\n`);
  }
}

async function cp(source: string, destination: string, flags: CpFlags, cmd: Command): Promise<void> {
  if (source === '') throw new ExitError(1, 'source can not be empty');
  if (destination === '') throw new ExitError(1, 'destination can not be empty');
  // Without -q, the summary line is printed only when stdout is a terminal.
  const quiet = cmd.getOptionValueSource('quiet') === 'cli' ? !!flags.quiet : !process.stdout.isTTY;
  const src = splitCpArg(source);
  const dst = splitCpArg(destination);
  if (src.container && dst.container) throw new ExitError(1, 'copying between containers is not supported');
  if (!src.container && !dst.container) throw new ExitError(1, 'must specify at least one container source');
  const cfg: CpConfig = {
    container: src.container || dst.container,
    srcPath: src.path,
    dstPath: dst.path,
    followLink: !!flags.followLink,
    copyUIDGID: !!flags.archive,
    quiet,
  };
  const api = client().containers;
  try {
    if (src.container) await copyFromContainer(api, cfg);
    else await copyToContainer(api, cfg);
  } catch (err) {
    if (err instanceof CopyError) throw new ExitError(1, err.message);
    throw err;
  }
}

export function registerCpCommand(program: Command, container: Command): void {
  for (const parent of [program, container]) {
    parent.command('cp').description('Copy files/folders between a container and the local filesystem')
      .usage('[OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n\ttug cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH')
      .argument('<SRC>').argument('<DEST>')
      .option('-a, --archive', 'Archive mode (copy all uid/gid information)')
      .option('-L, --follow-link', 'Always follow symbol link in SRC_PATH')
      .option('-q, --quiet', 'Suppress progress output during copy. Progress output is automatically suppressed if no terminal is attached')
      .action((source: string, destination: string, flags: CpFlags, cmd: Command) => run(() => cp(source, destination, flags, cmd)));
  }
}
