// tug ps / container ls: docker's psOptions → ContainerListOptions, the list, and the rows
// rendered with --format (table, json, raw or a Go template).
import type { Command } from 'commander';
import { render } from '../../format/table.js';
import { markAsGoStruct } from '../../format/gojson.js';
import { parseTemplate } from '../../format/template.js';
import { ExitError, client, collect, filtersFrom, out, run } from '../../context.js';
import { CONTAINER_HEADERS, containerFormat, containerRow, type ContainerRow } from './list-format.js';
import { intFlag } from './batch.js';
import type { ContainerListOptions } from '../../../client/containers.js';
import type { ContainerSummary } from '../../../types/container-views.js';

export interface PsFlags {
  all?: boolean;
  quiet?: boolean;
  size?: boolean;
  trunc?: boolean;
  latest?: boolean;
  last?: string;
  format?: string;
  filter?: string[];
}

/** docker's row type for `ps`, which template errors name. */
const CONTAINER_CONTEXT = '*formatter.ContainerContext';

/** Whether a --format template reads .Size: then docker asks the daemon for sizes. */
export function formatUsesSize(format: string): boolean {
  let used = false;
  const probe = containerRow({ Id: '', Names: [], Image: '', ImageID: '', Command: '', Created: 0, Ports: [], Labels: {}, State: '', Status: '', Mounts: [] }, true);
  Object.defineProperty(probe, 'Size', { enumerable: true, get: () => { used = true; return ''; } });
  try {
    parseTemplate(format).execute(markAsGoStruct(probe, CONTAINER_CONTEXT));
  } catch (err) {
    throw new ExitError(1, `failed to execute template: ${(err as Error).message}`);
  }
  return used;
}

/** buildContainerListOptions: -n and -l, filters, and sizes when the template needs them. */
export function listOptions(flags: PsFlags, last: number, sizeChanged: boolean): ContainerListOptions {
  const opts: ContainerListOptions = { all: !!flags.all, limit: last, size: !!flags.size, filters: filtersFrom(flags.filter) };
  if (flags.latest && last === -1) opts.limit = 1;
  if (flags.format) {
    try {
      parseTemplate(flags.format);
    } catch (err) {
      throw new ExitError(1, `failed to parse template: ${(err as Error).message}`);
    }
    if (formatUsesSize(flags.format) && !flags.quiet && !opts.size && !sizeChanged) opts.size = true;
  }
  return opts;
}

export function renderContainers(list: readonly ContainerSummary[], format: string, quiet: boolean, size: boolean, trunc: boolean, now = Date.now()): string {
  const rows: ContainerRow[] = list.map((c) => containerRow(c, trunc, now));
  return render(containerFormat(format, quiet, size), rows, CONTAINER_HEADERS, { context: CONTAINER_CONTEXT });
}

async function ps(flags: PsFlags, cmd: Command): Promise<void> {
  const last = flags.last === undefined ? -1 : intFlag(flags.last, '-n, --last', cmd);
  if (flags.format && flags.quiet) process.stderr.write('WARNING: Ignoring custom format, because both --format and --quiet are set.\n');
  const sizeChanged = cmd.getOptionValueSource('size') === 'cli';
  const opts = listOptions(flags, last, sizeChanged);
  const list = await client().containers.list(opts);
  out(renderContainers(list, flags.format ?? '', !!flags.quiet, !!opts.size, flags.trunc !== false));
}

export function addPsCommand(parent: Command, name: string, aliases: string[]): void {
  parent.command(name).aliases(aliases).description('List containers').usage('[OPTIONS]')
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Format output using a custom template')
    .option('-n, --last <int>', 'Show n last created containers (includes all states) (default -1)')
    .option('-l, --latest', 'Show the latest created container (includes all states)')
    .option('--no-trunc', "Don't truncate output")
    .option('-q, --quiet', 'Only display container IDs')
    .option('-s, --size', 'Display total file sizes')
    .action((flags: PsFlags, cmd: Command) => run(() => ps(flags, cmd)));
}
