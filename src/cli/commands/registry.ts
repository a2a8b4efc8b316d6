// tug registry serve / tug registry gc: the registry server, a process of its own that needs
// no tugd. Its code is loaded only when one of these commands runs.
import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import type { ServeOptions } from '../../registry/index.js';
import { InvalidParameterError } from '../../errors.js';
import { bytesSize } from '../format/units.js';
import { out, run } from '../context.js';

/** The flags of `registry serve` are the server's own options (the logs are the CLI's to give). */
export type RegistryServeFlags = Omit<ServeOptions, 'log' | 'accessLog'>;

export interface RegistryGcFlags {
  root: string;
  grace: string;
  uploadTtl: string;
  dryRun?: boolean;
  deleteUntagged?: boolean;
}

const DEFAULT_ROOT = '/var/lib/tug-registry';

async function serveCommand(flags: RegistryServeFlags, debug: boolean): Promise<void> {
  const { serve } = await import('../../registry/index.js');
  const log = (line: string): void => { process.stderr.write(`${line}\n`); };
  const reg = await serve({ ...flags, log, accessLog: debug ? log : undefined });
  out(`tug registry listening on ${flags.tlsCert ? 'https' : 'http'}://${reg.address} (root ${flags.root})\n`);
  await new Promise<void>((resolve) => {
    const stop = (): void => {
      void reg.close().then(resolve);
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

async function gcCommand(flags: RegistryGcFlags): Promise<void> {
  const { gc, parseDuration } = await import('../../registry/index.js');
  if (!existsSync(flags.root)) throw new InvalidParameterError(`registry root ${flags.root} does not exist`);
  const report = await gc(flags.root, { graceMs: parseDuration(flags.grace), uploadTtlMs: parseDuration(flags.uploadTtl), dryRun: flags.dryRun, deleteUntagged: flags.deleteUntagged });
  const verb = report.dryRun ? 'would delete' : 'deleted';
  for (const m of report.manifestsRemoved) out(`${verb} manifest ${m}\n`);
  for (const d of report.deleted) out(`${verb} ${d}\n`);
  out(`${report.marked} blobs marked, ${report.deleted.length} blobs ${report.dryRun ? 'eligible for deletion' : 'deleted'} (${bytesSize(report.freedBytes)}), ` +
    `${report.keptRecent} unreferenced kept within the grace period, ${report.uploadsRemoved} stale uploads ${report.dryRun ? 'eligible' : 'removed'}\n`);
}

export function registerRegistryCommands(program: Command): void {
  const registry = program.command('registry').description('Run an OCI distribution registry').usage('COMMAND');
  registry.command('serve')
    .description('Serve an OCI distribution registry (a process of its own; needs no tugd)')
    .usage('[OPTIONS]')
    .option('--addr <host:port>', 'Address to listen on', '127.0.0.1:5000')
    .option('--root <dir>', 'Directory for the registry\'s storage', DEFAULT_ROOT)
    .option('--tls-cert <file>', 'TLS certificate (PEM)')
    .option('--tls-key <file>', 'TLS private key (PEM)')
    .option('--htpasswd <file>', 'Basic auth against bcrypt entries (htpasswd -B)')
    .option('--token-realm <url>', 'Docker token auth: the token server\'s URL')
    .option('--token-key <file>', 'Docker token auth: the token signer\'s public key or certificate (PEM)')
    .option('--token-service <name>', 'Docker token auth: this registry\'s service name (the tokens\' audience)', 'tug-registry')
    .option('--token-issuer <name>', 'Docker token auth: the issuer tokens must name')
    .action((flags: RegistryServeFlags) => {
      const root = program.opts<{ debug?: boolean; logLevel?: string }>();
      return run(() => serveCommand(flags, Boolean(root.debug) || root.logLevel === 'debug'));
    });
  registry.command('gc')
    .description('Delete blobs no manifest references; safe while the registry is serving')
    .usage('[OPTIONS]')
    .option('--root <dir>', 'Directory of the registry\'s storage', DEFAULT_ROOT)
    .option('--grace <duration>', 'Keep unreferenced blobs used more recently than this', '1h')
    .option('--upload-ttl <duration>', 'Remove uploads started longer ago than this', '168h')
    .option('--dry-run', 'Only report what would be deleted')
    .option('-m, --delete-untagged', 'Also delete manifests that no tag reaches')
    .action((flags: RegistryGcFlags) => run(() => gcCommand(flags)));
}
