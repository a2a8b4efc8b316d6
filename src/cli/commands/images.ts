// tug images / image ls, tag, rmi, image inspect, history, image prune.
import type { Command } from 'commander';
import type { ImageSummary } from '../../client/index.js';
import { render } from '../format/table.js';
import { humanSize, timeAgo } from '../format/units.js';
import { DaemonError } from '../../client/index.js';
import { ExitError, client, collect, confirm, describeError, filtersFrom, out, printError, run } from '../context.js';

const IMAGE_HEADERS: Record<string, string> = {
  ID: 'IMAGE ID', Repository: 'REPOSITORY', Tag: 'TAG', Digest: 'DIGEST', CreatedSince: 'CREATED',
  CreatedAt: 'CREATED AT', Size: 'SIZE', Containers: 'CONTAINERS', SharedSize: 'SHARED SIZE',
  UniqueSize: 'UNIQUE SIZE', VirtualSize: 'VIRTUAL SIZE',
};

export function shortID(id: string, noTrunc = false): string {
  if (noTrunc) return id;
  return id.replace(/^sha256:/, '').slice(0, 12);
}

/** Go's time.Time.String() as the docker CLI prints CreatedAt: `2006-01-02 15:04:05 -0700 MST`. */
export function goTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())} +0000 UTC`;
}

function splitRepoTag(ref: string): [string, string] {
  const at = ref.indexOf('@');
  const base = at >= 0 ? ref.slice(0, at) : ref;
  const colon = base.lastIndexOf(':');
  if (colon > base.lastIndexOf('/')) return [base.slice(0, colon), base.slice(colon + 1)];
  return [base, at >= 0 ? '<none>' : 'latest'];
}

export interface ImageRow {
  ID: string;
  Repository: string;
  Tag: string;
  Digest: string;
  CreatedSince: string;
  CreatedAt: string;
  Size: string;
  Containers: string;
  SharedSize: string;
  UniqueSize: string;
  VirtualSize: string;
}

/** One row per tag (and per digest when no tag covers it), like `docker images`. */
export function imageRows(images: ImageSummary[], noTrunc: boolean): ImageRow[] {
  const rows: ImageRow[] = [];
  for (const img of images) {
    const base = {
      ID: shortID(img.Id, noTrunc),
      CreatedSince: img.Created ? timeAgo(new Date(img.Created * 1000)) : 'N/A',
      CreatedAt: goTime(img.Created),
      Size: humanSize(img.Size),
      Containers: img.Containers < 0 ? 'N/A' : String(img.Containers),
      SharedSize: img.SharedSize < 0 ? 'N/A' : humanSize(img.SharedSize, 4),
      UniqueSize: img.SharedSize < 0 ? 'N/A' : humanSize(img.Size - img.SharedSize, 4),
      VirtualSize: humanSize(img.Size),
    };
    const digests = new Map<string, string>();
    for (const d of img.RepoDigests ?? []) {
      const [repo] = splitRepoTag(d);
      digests.set(repo, d.slice(d.indexOf('@') + 1));
    }
    const tags = img.RepoTags ?? [];
    const seenRepos = new Set<string>();
    for (const t of tags) {
      const [repo, tag] = splitRepoTag(t);
      seenRepos.add(repo);
      rows.push({ ...base, Repository: repo, Tag: tag, Digest: digests.get(repo) ?? '<none>' });
    }
    for (const [repo, digest] of digests) {
      if (!seenRepos.has(repo)) rows.push({ ...base, Repository: repo, Tag: '<none>', Digest: digest });
    }
    if (rows.length === 0 || (tags.length === 0 && digests.size === 0)) {
      if (tags.length === 0 && digests.size === 0) rows.push({ ...base, Repository: '<none>', Tag: '<none>', Digest: '<none>' });
    }
  }
  return rows;
}

interface ListFlags {
  all?: boolean;
  quiet?: boolean;
  digests?: boolean;
  noTrunc?: boolean;
  filter?: string[];
  format?: string;
}

async function listImages(repoArg: string | undefined, flags: ListFlags): Promise<void> {
  const filters = filtersFrom(flags.filter);
  if (repoArg) (filters.reference ??= []).push(repoArg);
  const images = await client().imageList({ all: flags.all, digests: flags.digests, filters });
  let format = flags.format;
  if (flags.quiet) format = '{{.ID}}';
  else if (!format || format === 'table') {
    format = flags.digests
      ? 'table {{.Repository}}\t{{.Tag}}\t{{.Digest}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}'
      : 'table {{.Repository}}\t{{.Tag}}\t{{.ID}}\t{{.CreatedSince}}\t{{.Size}}';
  }
  out(render(format, imageRows(images, !!flags.noTrunc), IMAGE_HEADERS, { context: '*formatter.imageContext' }));
}

function addListOptions(cmd: Command): Command {
  return cmd
    .usage('[OPTIONS] [REPOSITORY[:TAG]]')
    .argument('[repository]', 'only images of this repository (name or name:tag)')
    .option('-a, --all', 'Show all images (default hides intermediate images)')
    .option('-q, --quiet', 'Only show image IDs')
    .option('--digests', 'Show digests')
    .option('--no-trunc', "Don't truncate output")
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Format output using a custom template')
    .action((repo: string | undefined, flags: ListFlags & { trunc?: boolean }) => run(() => listImages(repo, { ...flags, noTrunc: flags.trunc === false })));
}

async function tag(source: string, target: string): Promise<void> {
  const at = target.lastIndexOf(':');
  const slash = target.lastIndexOf('/');
  const [repo, t] = at > slash ? [target.slice(0, at), target.slice(at + 1)] : [target, undefined];
  await client().imageTag(source, repo, t);
}

async function remove(names: string[], flags: { force?: boolean; prune?: boolean }): Promise<void> {
  let failed = false;
  for (const name of names) {
    try {
      const items = await client().imageRemove(name, { force: flags.force, noprune: flags.prune === false });
      for (const i of items) out(i.Untagged ? `Untagged: ${i.Untagged}\n` : `Deleted: ${i.Deleted}\n`);
    } catch (err) {
      failed = true;
      printError(err);
    }
  }
  if (failed) throw new ExitError(1);
}

export async function inspectImages(names: string[], format?: string, generic = false): Promise<void> {
  const results: unknown[] = [];
  let missing = false;
  for (const name of names) {
    try {
      results.push(await client().imageInspect(name));
    } catch (err) {
      missing = true;
      // `docker inspect` names the object it could not find; `image inspect` relays the daemon.
      if (generic && err instanceof DaemonError && err.status === 404) process.stderr.write(`Error: No such object: ${name}\n`);
      else process.stderr.write(`${describeError(err)}\n`);
    }
  }
  if (format) out(render(format, results as Record<string, unknown>[], {}));
  else out(JSON.stringify(results, null, 4) + '\n');
  if (missing) throw new ExitError(1);
}

async function history(name: string, flags: { human?: boolean; quiet?: boolean; trunc?: boolean; format?: string }): Promise<void> {
  const items = await client().imageHistory(name);
  const noTrunc = flags.trunc === false;
  const human = flags.human !== false;
  const rows = items.map((h) => {
    let createdBy = h.CreatedBy.replace(/\t/g, ' ');
    if (!noTrunc && createdBy.length > 45) createdBy = createdBy.slice(0, 44) + '…';
    return {
      ID: h.Id === '<missing>' ? h.Id : shortID(h.Id, noTrunc),
      CreatedSince: human ? (h.Created ? timeAgo(new Date(h.Created * 1000)) : 'N/A') : new Date(h.Created * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
      CreatedAt: new Date(h.Created * 1000).toISOString().replace(/\.\d+Z$/, 'Z'),
      CreatedBy: createdBy,
      Size: human ? humanSize(h.Size) : String(h.Size),
      Comment: h.Comment,
    };
  });
  let format = flags.format;
  if (flags.quiet) format = '{{.ID}}';
  else if (!format || format === 'table') format = 'table {{.ID}}\t{{.CreatedSince}}\t{{.CreatedBy}}\t{{.Size}}\t{{.Comment}}';
  out(render(format, rows, { ID: 'IMAGE', CreatedSince: 'CREATED', CreatedAt: 'CREATED AT', CreatedBy: 'CREATED BY', Size: 'SIZE', Comment: 'COMMENT' }, { context: '*image.historyContext' }));
}

async function prune(flags: { all?: boolean; force?: boolean; filter?: string[] }): Promise<void> {
  const filters = filtersFrom(flags.filter);
  filters.dangling = [flags.all ? 'false' : 'true'];
  const warning = flags.all
    ? 'WARNING! This will remove all images without at least one container associated to them.'
    : 'WARNING! This will remove all dangling images.';
  if (!flags.force) {
    if (!(await confirm(`${warning}\nAre you sure you want to continue?`))) return;
  }
  const res = await client().imagePrune(filters);
  const items = res.ImagesDeleted ?? [];
  if (items.length) {
    out('Deleted Images:\n');
    for (const i of items) out(i.Untagged ? `untagged: ${i.Untagged}\n` : `deleted: ${i.Deleted}\n`);
    out('\n');
  }
  out(`Total reclaimed space: ${humanSize(res.SpaceReclaimed, 4)}\n`);
}

export function registerImageCommands(program: Command, image: Command): void {
  addListOptions(program.command('images').description('List images'));
  addListOptions(image.command('ls').alias('list').description('List images'));

  for (const cmd of [program.command('tag'), image.command('tag')]) {
    cmd.description('Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE')
      .argument('<SOURCE_IMAGE[:TAG]>').argument('<TARGET_IMAGE[:TAG]>')
      .action((s: string, t: string) => run(() => tag(s, t)));
  }
  for (const cmd of [program.command('rmi'), image.command('rm').alias('remove')]) {
    cmd.description('Remove one or more images')
      .argument('<IMAGE...>')
      .option('-f, --force', 'Force removal of the image')
      .option('--no-prune', 'Do not delete untagged parents')
      .action((names: string[], flags: { force?: boolean; prune?: boolean }) => run(() => remove(names, flags)));
  }
  // The top-level `tug inspect` (containers first, then images) is in containers/inspect.ts.
  image.command('inspect').description('Display detailed information on one or more images')
    .argument('<IMAGE...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action((names: string[], flags: { format?: string }) => run(() => inspectImages(names, flags.format)));
  for (const cmd of [program.command('history'), image.command('history')]) {
    cmd.description('Show the history of an image')
      .argument('<IMAGE>')
      .option('-H, --human [bool]', 'Print sizes and dates in human readable format', (v) => v !== 'false')
      .option('-q, --quiet', 'Only show image IDs')
      .option('--no-trunc', "Don't truncate output")
      .option('--format <string>', 'Format output using a custom template')
      .action((name: string, flags: { human?: boolean; quiet?: boolean; trunc?: boolean; format?: string }) => run(() => history(name, flags)));
  }
  image.command('prune').description('Remove unused images')
    .option('-a, --all', 'Remove all unused images, not just dangling ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect)
    .action((flags: { all?: boolean; force?: boolean; filter?: string[] }) => run(() => prune(flags)));
}
