// tug volume create, ls, inspect, rm, prune: docker's flags, columns and messages.
import type { Command } from 'commander';
import type { Volume } from '../../client/index.js';
import { render } from '../format/table.js';
import { humanSize } from '../format/units.js';
import { kvMap } from '../run/kvfile.js';
import { ExitError, client, collect, confirm, filtersFrom, out, printError, run } from '../context.js';
import { inspectObjects } from './containers/index.js';

const HEADERS: Record<string, string> = {
  Name: 'VOLUME NAME', Driver: 'DRIVER', Scope: 'SCOPE', Mountpoint: 'MOUNTPOINT', Labels: 'LABELS', Links: 'LINKS',
  Size: 'SIZE', Group: 'GROUP', Availability: 'AVAILABILITY', Status: 'STATUS',
};

/** One `volume ls` row, with the fields docker's volume formatter offers. */
export function volumeRow(v: Volume): Record<string, string> {
  const usage = v.UsageData;
  return {
    Name: v.Name,
    Driver: v.Driver,
    Scope: v.Scope,
    Mountpoint: v.Mountpoint,
    Labels: Object.entries(v.Labels ?? {}).map(([k, val]) => `${k}=${val}`).sort().join(','),
    Links: usage && usage.RefCount >= 0 ? String(usage.RefCount) : 'N/A',
    Size: usage && usage.Size >= 0 ? humanSize(usage.Size) : 'N/A',
    Group: 'N/A',
    Availability: 'N/A',
    Status: 'N/A',
  };
}

interface CreateFlags {
  driver?: string;
  label?: string[];
  opt?: string[];
  name?: string;
}

async function create(nameArg: string | undefined, flags: CreateFlags): Promise<void> {
  if (nameArg !== undefined && flags.name !== undefined && nameArg !== flags.name) {
    throw new ExitError(1, `conflicting options: cannot specify a volume-name through both --name and as a positional arg`);
  }
  const v = await client().volumes.create({
    Name: nameArg ?? flags.name ?? '',
    Driver: flags.driver ?? 'local',
    DriverOpts: kvMap(flags.opt ?? []),
    Labels: kvMap(flags.label ?? []),
  });
  out(`${v.Name}\n`);
}

async function list(flags: { quiet?: boolean; format?: string; filter?: string[] }): Promise<void> {
  const res = await client().volumes.list(filtersFrom(flags.filter));
  const vols = [...(res.Volumes ?? [])].sort((a, b) => (a.Name < b.Name ? -1 : a.Name > b.Name ? 1 : 0));
  for (const w of res.Warnings ?? []) process.stderr.write(`${w}\n`);
  let format = flags.format;
  if (flags.quiet) format = '{{.Name}}';
  else if (!format || format === 'table') format = 'table {{.Driver}}\t{{.Name}}';
  out(render(format, vols.map(volumeRow), HEADERS, { context: '*formatter.volumeContext' }));
}

async function remove(names: string[], flags: { force?: boolean }): Promise<void> {
  let failed = false;
  for (const name of names) {
    try {
      await client().volumes.remove(name, flags.force);
      out(`${name}\n`);
    } catch (err) {
      failed = true;
      printError(err);
    }
  }
  if (failed) throw new ExitError(1);
}

async function prune(flags: { all?: boolean; force?: boolean; filter?: string[] }): Promise<void> {
  const filters = filtersFrom(flags.filter);
  if (flags.all) {
    if (filters.all) throw new ExitError(125, 'conflicting options: cannot specify both --all and --filter all=1');
    filters.all = ['true'];
  }
  const warning = flags.all
    ? 'WARNING! This will remove all local volumes not used by at least one container.'
    : 'WARNING! This will remove anonymous local volumes not used by at least one container.';
  if (!flags.force && !(await confirm(`${warning}\nAre you sure you want to continue?`))) return;
  const res = await client().volumes.prune(filters);
  const deleted = res.VolumesDeleted ?? [];
  if (deleted.length > 0) out(`Deleted Volumes:\n${deleted.map((n) => `${n}\n`).join('')}\n`);
  out(`Total reclaimed space: ${humanSize(res.SpaceReclaimed, 4)}\n`);
}

export function registerVolumeCommands(program: Command): void {
  const volume = program.command('volume').description('Manage volumes').usage('COMMAND');
  volume.command('create').description('Create a volume').usage('[OPTIONS] [VOLUME]')
    .argument('[VOLUME]')
    .option('-d, --driver <string>', 'Specify volume driver name', 'local')
    .option('--label <label>', 'Set metadata for a volume', collect)
    .option('-o, --opt <opt>', 'Set driver specific options', collect)
    .option('--name <string>', 'Specify volume name')
    .action((name: string | undefined, flags: CreateFlags) => run(() => create(name, flags)));
  volume.command('ls').alias('list').description('List volumes')
    .option('-q, --quiet', 'Only display volume names')
    .option('-f, --filter <filter>', "Provide filter values (e.g. 'dangling=true')", collect)
    .option('--format <string>', 'Format output using a custom template')
    .action((flags: { quiet?: boolean; format?: string; filter?: string[] }) => run(() => list(flags)));
  volume.command('inspect').description('Display detailed information on one or more volumes').usage('[OPTIONS] VOLUME [VOLUME...]')
    .argument('<VOLUME...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action((names: string[], flags: { format?: string }) => run(() => inspectObjects(names, { format: flags.format, type: 'volume' })));
  volume.command('rm').alias('remove').description('Remove one or more volumes').usage('[OPTIONS] VOLUME [VOLUME...]')
    .argument('<VOLUME...>')
    .option('-f, --force', 'Force the removal of one or more volumes')
    .action((names: string[], flags: { force?: boolean }) => run(() => remove(names, flags)));
  volume.command('prune').description('Remove unused local volumes')
    .option('-a, --all', 'Remove all unused volumes, not just anonymous ones')
    .option('-f, --force', 'Do not prompt for confirmation')
    .option('--filter <filter>', "Provide filter values (e.g. 'label=<label>')", collect)
    .action((flags: { all?: boolean; force?: boolean; filter?: string[] }) => run(() => prune(flags)));
}
