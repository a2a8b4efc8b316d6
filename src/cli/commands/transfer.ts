// tug save, load, import, bootstrap: moving image content in and out of the engine.
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import { ExitError, client, collect, out, run } from '../context.js';

async function save(names: string[], flags: { output?: string }): Promise<void> {
  if (!flags.output && process.stdout.isTTY) {
    throw new ExitError(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
  }
  const archive = await client().imageSave(names);
  if (!flags.output) {
    await pipeline(archive, process.stdout);
    return;
  }
  // Written beside the target and renamed: a failed save never leaves a truncated file.
  const tmp = `${flags.output}.tug-tmp-${process.pid}`;
  try {
    await pipeline(archive, createWriteStream(tmp));
    await rename(tmp, flags.output);
  } finally {
    await rm(tmp, { force: true });
  }
}

async function load(flags: { input?: string; quiet?: boolean }): Promise<void> {
  if (!flags.input && process.stdin.isTTY) {
    throw new ExitError(1, 'requested load from stdin, but stdin is empty');
  }
  const input = flags.input ? createReadStream(flags.input) : process.stdin;
  for await (const msg of client().imageLoad(input, !!flags.quiet)) {
    if (msg.stream) out(msg.stream);
  }
}

async function importImage(source: string, ref: string | undefined, flags: { change?: string[]; message?: string; platform?: string }): Promise<void> {
  let body;
  let from = source;
  if (source === '-') body = process.stdin;
  else if (!/^https?:\/\//.test(source)) {
    body = createReadStream(source);
    await new Promise<void>((resolve, reject) => {
      body!.once('open', () => resolve());
      body!.once('error', (err: NodeJS.ErrnoException) => reject(new ExitError(1, `open ${source}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or directory' : err.message}`)));
    });
    from = '-';
  }
  let repo: string | undefined;
  let tag: string | undefined;
  if (ref) {
    const at = ref.lastIndexOf(':');
    [repo, tag] = at > ref.lastIndexOf('/') ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, undefined];
  }
  for await (const msg of client().imageImport(from, body, { repo, tag, changes: flags.change, message: flags.message, platform: flags.platform })) {
    if (msg.status) out(`${msg.status}\n`);
  }
}

async function bootstrap(image: string): Promise<void> {
  for await (const msg of client().bootstrap(image)) {
    if (msg.aux?.ID) out(`${String(msg.aux.ID)}\n`);
    else if (msg.status) process.stderr.write(`${msg.status}\n`);
  }
}

export function registerTransferCommands(program: Command, image: Command): void {
  for (const cmd of [program.command('save'), image.command('save')]) {
    cmd.description('Save one or more images to a tar archive (streamed to STDOUT by default)')
      .usage('[OPTIONS] IMAGE [IMAGE...]')
      .argument('<IMAGE...>')
      .option('-o, --output <file>', 'Write to a file, instead of STDOUT')
      .action((names: string[], flags: { output?: string }) => run(() => save(names, flags)));
  }
  for (const cmd of [program.command('load'), image.command('load')]) {
    cmd.description('Load an image from a tar archive or STDIN')
      .option('-i, --input <file>', 'Read from tar archive file, instead of STDIN')
      .option('-q, --quiet', 'Suppress the load output')
      .action((flags: { input?: string; quiet?: boolean }) => run(() => load(flags)));
  }
  for (const cmd of [program.command('import'), image.command('import')]) {
    cmd.description('Import the contents from a tarball to create a filesystem image')
      .argument('<file|URL|->').argument('[REPOSITORY[:TAG]]')
      .option('-c, --change <instruction>', 'Apply Dockerfile instruction to the created image', collect)
      .option('-m, --message <string>', 'Set commit message for imported image')
      .option('--platform <string>', 'Set platform if server is multi-platform capable')
      .action((src: string, ref: string | undefined, flags: { change?: string[]; message?: string; platform?: string }) => run(() => importImage(src, ref, flags)));
  }
  for (const cmd of [program.command('bootstrap'), image.command('bootstrap')]) {
    cmd.description('Make a base image on this host: busybox[:TAG] from busybox-static, debian:SUITE with debootstrap')
      .argument('<IMAGE>')
      .action((name: string) => run(() => bootstrap(name)));
  }
}
