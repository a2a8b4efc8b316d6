// tug version, tug info.
import type { Command } from 'commander';
import { TUG_VERSION } from '../../version.js';
import { CLIENT_API_VERSION } from '../../client/http.js';
import { compileTemplate } from '../format/template.js';
import { bytesSize } from '../format/units.js';
import { ExitError, client, describeError, out, run } from '../context.js';

const arch = process.arch === 'x64' ? 'amd64' : process.arch;

async function version(flags: { format?: string }): Promise<void> {
  const clientInfo = { Version: TUG_VERSION, ApiVersion: CLIENT_API_VERSION, NodeVersion: process.version, Os: 'linux', Arch: arch };
  let server: Record<string, unknown> | undefined;
  let failure: unknown;
  try {
    server = await client().version();
  } catch (err) {
    failure = err;
  }
  if (flags.format) {
    out(compileTemplate(flags.format)({ Client: clientInfo, Server: server ?? null }) + '\n');
  } else {
    out(`Client: tug\n Version:           ${TUG_VERSION}\n API version:       ${CLIENT_API_VERSION}\n Node version:      ${process.version}\n OS/Arch:           linux/${arch}\n`);
    if (server) {
      out(`\nServer: tug\n Engine:\n  Version:          ${String(server.Version)}\n  API version:      ${String(server.ApiVersion)} (minimum version ${String(server.MinAPIVersion)})\n  Node version:     ${String(server.GoVersion).replace(/^node /, '')}\n  OS/Arch:          ${String(server.Os)}/${String(server.Arch)}\n  Kernel:           ${String(server.KernelVersion)}\n`);
    }
  }
  if (failure) throw new ExitError(1, describeError(failure));
}

async function info(flags: { format?: string }): Promise<void> {
  const i = await client().info();
  if (flags.format) {
    out(compileTemplate(flags.format)(i) + '\n');
    return;
  }
  const lines = [
    'Client: tug',
    ` Version:    ${TUG_VERSION}`,
    '',
    'Server:',
    ` Containers: ${String(i.Containers)}`,
    `  Running: ${String(i.ContainersRunning)}`,
    `  Paused: ${String(i.ContainersPaused)}`,
    `  Stopped: ${String(i.ContainersStopped)}`,
    ` Images: ${String(i.Images)}`,
    ` Server Version: ${String(i.ServerVersion)}`,
    ` Storage Driver: ${String(i.Driver)}`,
    ` Logging Driver: ${String(i.LoggingDriver)}`,
    ` Cgroup Driver: ${String(i.CgroupDriver)}`,
    ` Cgroup Version: ${String(i.CgroupVersion)}`,
    ` Runtimes: ${Object.keys((i.Runtimes as object) ?? {}).join(' ')}`,
    ` Default Runtime: ${String(i.DefaultRuntime)}`,
    ` Kernel Version: ${String(i.KernelVersion)}`,
    ` Operating System: ${String(i.OperatingSystem)}`,
    ` OSType: ${String(i.OSType)}`,
    ` Architecture: ${String(i.Architecture)}`,
    ` CPUs: ${String(i.NCPU)}`,
    ` Total Memory: ${bytesSize(Number(i.MemTotal))}`,
    ` Name: ${String(i.Name)}`,
    ` ID: ${String(i.ID)}`,
    ` Docker Root Dir: ${String(i.DockerRootDir)}`,
    ` Debug Mode: ${String(i.Debug)}`,
    ` Experimental: false`,
    ` Live Restore Enabled: ${String(i.LiveRestoreEnabled)}`,
    '',
  ];
  out(lines.join('\n'));
}

export function registerSystemCommands(program: Command, system: Command): void {
  program.command('version').description('Show the tug version information')
    .option('-f, --format <string>', 'Format output using a custom template')
    .action((flags: { format?: string }) => run(() => version(flags)));
  for (const cmd of [program.command('info'), system.command('info')]) {
    cmd.description('Display system-wide information')
      .option('-f, --format <string>', 'Format output using a custom template')
      .action((flags: { format?: string }) => run(() => info(flags)));
  }
}
