// tug network create|ls|inspect|rm|prune|connect|disconnect, and tug port: docker/cli's flags,
// output and messages.
import type { Command } from 'commander';
import type { NetworkCreateRequest } from '../../client/networks.js';
import { render } from '../format/table.js';
import { ExitError, client, collect, confirm, describeError, filtersFrom, out, run } from '../context.js';
import { inspectObjects } from './containers/inspect.js';

const NETWORK_HEADERS: Record<string, string> = { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE', IPv6: 'IPV6', Internal: 'INTERNAL', Labels: 'LABELS', CreatedAt: 'CREATED AT' };
const DEFAULT_LS_FORMAT = 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}';

interface CreateFlags {
  driver?: string;
  subnet?: string[];
  gateway?: string[];
  ipRange?: string[];
  internal?: boolean;
  attachable?: boolean;
  ipv6?: boolean;
  label?: string[];
  opt?: string[];
  ipamDriver?: string;
  ipamOpt?: string[];
}

function keyValues(list: string[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list ?? []) {
    const i = kv.indexOf('=');
    out[i < 0 ? kv : kv.slice(0, i)] = i < 0 ? '' : kv.slice(i + 1);
  }
  return out;
}

/** docker/cli's createIPAMConfig: one pool per --subnet; a --gateway or --ip-range needs one. */
export function createRequest(name: string, f: CreateFlags): NetworkCreateRequest {
  const subnets = f.subnet ?? [];
  const gateways = f.gateway ?? [];
  const ranges = f.ipRange ?? [];
  if (gateways.length > subnets.length) throw new ExitError(1, 'Error: every gateway must have a corresponding subnet');
  if (ranges.length > subnets.length) throw new ExitError(1, 'Error: every ip-range must have a corresponding subnet');
  const config = subnets.map((s, i) => ({ Subnet: s, ...(gateways[i] ? { Gateway: gateways[i] } : {}), ...(ranges[i] ? { IPRange: ranges[i] } : {}) }));
  return {
    Name: name,
    Driver: f.driver ?? 'bridge',
    Internal: !!f.internal,
    Attachable: !!f.attachable,
    EnableIPv6: f.ipv6 ? true : undefined,
    IPAM: { Driver: f.ipamDriver ?? 'default', Config: config, Options: keyValues(f.ipamOpt) },
    Options: keyValues(f.opt),
    Labels: keyValues(f.label),
  };
}

async function ls(flags: { quiet?: boolean; trunc?: boolean; format?: string; filter?: string[] }): Promise<void> {
  const list = await client().networks.list(filtersFrom(flags.filter));
  const trunc = flags.trunc !== false;
  if (flags.quiet) {
    out(list.map((n) => `${trunc ? n.Id.slice(0, 12) : n.Id}\n`).join(''));
    return;
  }
  const rows = list.map((n) => ({
    ID: trunc ? n.Id.slice(0, 12) : n.Id, Name: n.Name, Driver: n.Driver, Scope: n.Scope, IPv6: String(n.EnableIPv6), Internal: String(n.Internal),
    Labels: Object.entries(n.Labels ?? {}).map(([k, v]) => `${k}=${v}`).join(','), CreatedAt: n.Created,
  }));
  out(render(flags.format ?? '', rows, NETWORK_HEADERS, { defaultFormat: DEFAULT_LS_FORMAT, context: '*network.networkContext' }));
}

/** Runs `fn` for each name, prints what succeeded, then every error (status 1). */
async function each(names: readonly string[], fn: (n: string) => Promise<void>, echo = true): Promise<void> {
  const errors: string[] = [];
  for (const n of names) {
    try {
      await fn(n);
      if (echo) out(`${n}\n`);
    } catch (err) {
      errors.push(describeError(err));
    }
  }
  if (errors.length) throw new ExitError(1, errors.join('\n'));
}

const PRUNE_WARNING = 'WARNING! This will remove all custom networks not used by at least one container.\nAre you sure you want to continue?';

async function prune(flags: { force?: boolean; filter?: string[] }): Promise<void> {
  const filters = filtersFrom(flags.filter);
  if (!flags.force && !(await confirm(PRUNE_WARNING))) return;
  const report = await client().networks.prune(filters);
  if (report.NetworksDeleted?.length) out(`Deleted Networks:\n${report.NetworksDeleted.join('\n')}\n`);
}

/** tug port: every published port, or the bindings of one PRIVATE_PORT[/PROTO]. */
async function port(container: string, which: string | undefined): Promise<void> {
  const c = await client().containers.inspect(container);
  const ports = c.NetworkSettings.Ports ?? {};
  if (which) {
    const [p = '', proto = 'tcp'] = which.split('/');
    if (!/^\d+$/.test(p)) throw new ExitError(1, `Error: invalid port (${which}): invalid syntax`);
    const bindings = ports[`${p}/${proto}`];
    if (!bindings?.length) throw new ExitError(1, `Error: No public port '${p}/${proto}' published for ${container}`);
    out(bindings.map((b) => `${b.HostIp}:${b.HostPort}\n`).join(''));
    return;
  }
  const lines: string[] = [];
  for (const [key, bindings] of Object.entries(ports)) for (const b of bindings ?? []) lines.push(`${key} -> ${b.HostIp}:${b.HostPort}`);
  out(lines.sort((a, b) => parseInt(a, 10) - parseInt(b, 10)).map((l) => `${l}\n`).join(''));
}

export function registerNetworkCommands(program: Command): void {
  const network = program.command('network').description('Manage networks').usage('COMMAND');
  network.command('create').description('Create a network').usage('[OPTIONS] NETWORK').argument('<NETWORK>')
    .option('-d, --driver <string>', 'Driver to manage the Network', 'bridge')
    .option('--subnet <strings>', 'Subnet in CIDR format that represents a network segment', collect)
    .option('--gateway <strings>', 'IPv4 or IPv6 Gateway for the master subnet', collect)
    .option('--ip-range <strings>', 'Allocate container ip from a sub-range', collect)
    .option('--internal', 'Restrict external access to the network')
    .option('--attachable', 'Enable manual container attachment')
    .option('--ipv6', 'Enable or disable IPv6 address assignment')
    .option('--label <list>', 'Set metadata on a network', collect)
    .option('-o, --opt <map>', 'Set driver specific options', collect)
    .option('--ipam-driver <string>', 'IP Address Management Driver', 'default')
    .option('--ipam-opt <map>', 'Set IPAM driver specific options', collect)
    .action((name: string, flags: CreateFlags) => run(async () => {
      const res = await client().networks.create(createRequest(name, flags));
      if (res.Warning) process.stderr.write(`${res.Warning}\n`);
      out(`${res.Id}\n`);
    }));
  network.command('ls').alias('list').description('List networks').usage('[OPTIONS]')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "driver=bridge")', collect)
    .option('--format <string>', 'Format output using a custom template')
    .option('--no-trunc', 'Do not truncate the output')
    .option('-q, --quiet', 'Only display network IDs')
    .action((flags: { quiet?: boolean; trunc?: boolean; format?: string; filter?: string[] }) => run(() => ls(flags)));
  network.command('inspect').description('Display detailed information on one or more networks').usage('[OPTIONS] NETWORK [NETWORK...]')
    .argument('<NETWORK...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('-v, --verbose', 'Verbose output for diagnostics')
    .action((names: string[], flags: { format?: string }) => run(() => inspectObjects(names, { format: flags.format, type: 'network' })));
  network.command('rm').alias('remove').description('Remove one or more networks').usage('NETWORK [NETWORK...]')
    .argument('<NETWORK...>')
    .option('-f, --force', 'Do not error if the network does not exist')
    .action((names: string[], flags: { force?: boolean }) => run(() => each(names, async (n) => {
      await client().networks.remove(n).catch((err: unknown) => {
        if (!(flags.force && describeError(err).includes('not found'))) throw err;
      });
    })));
  network.command('prune').description('Remove all unused networks').usage('[OPTIONS]')
    .option('--filter <filter>', 'Provide filter values (e.g. "until=<timestamp>")', collect)
    .option('-f, --force', 'Do not prompt for confirmation')
    .action((flags: { force?: boolean; filter?: string[] }) => run(() => prune(flags)));
  network.command('connect').description('Connect a container to a network').usage('[OPTIONS] NETWORK CONTAINER')
    .argument('<NETWORK>').argument('<CONTAINER>')
    .option('--alias <strings>', 'Add network-scoped alias for the container', collect)
    .option('--ip <string>', 'IPv4 address (e.g., "172.30.100.104")')
    .option('--ip6 <string>', 'IPv6 address (e.g., "2001:db8::33")')
    .action((net: string, container: string, flags: { alias?: string[]; ip?: string; ip6?: string }) => run(async () => {
      const ipam = flags.ip || flags.ip6 ? { IPAMConfig: { ...(flags.ip ? { IPv4Address: flags.ip } : {}), ...(flags.ip6 ? { IPv6Address: flags.ip6 } : {}) } } : {};
      await client().networks.connect(net, container, { ...(flags.alias?.length ? { Aliases: flags.alias } : {}), ...ipam });
    }));
  network.command('disconnect').description('Disconnect a container from a network').usage('[OPTIONS] NETWORK CONTAINER')
    .argument('<NETWORK>').argument('<CONTAINER>')
    .option('-f, --force', 'Force the container to disconnect from a network')
    .action((net: string, container: string, flags: { force?: boolean }) => run(() => client().networks.disconnect(net, container, !!flags.force)));

  for (const parent of [program, program.commands.find((c) => c.name() === 'container')].filter((c): c is Command => !!c)) {
    parent.command('port').description('List port mappings or a specific mapping for the container').usage('CONTAINER [PRIVATE_PORT[/PROTO]]')
      .argument('<CONTAINER>').argument('[PRIVATE_PORT[/PROTO]]')
      .action((container: string, which: string | undefined) => run(() => port(container, which)));
  }
}
