// tugd: the engine daemon. Flags as dockerd's; logs to stderr; stops cleanly on SIGTERM/SIGINT.
import { Command, Option } from 'commander';
import { connect } from 'node:net';
import { mkdir } from 'node:fs/promises';
import { createApiServer, listenUnix, type Logger } from '../api/server.js';
import { errorMessage } from '../errors.js';
import { DEFAULT_SOCKET, parseHost, type DaemonConfig } from './config.js';
import { openEngine } from './engine.js';
import { closeStaging } from '../build/index.js';
import { TUG_VERSION } from '../version.js';
import { lockDataRoot } from './lock.js';

const LEVELS = { debug: 0, info: 1, warn: 2, error: 3 } as const;

function makeLogger(level: keyof typeof LEVELS): Logger {
  return (l, msg) => {
    if (LEVELS[l] < LEVELS[level]) return;
    process.stderr.write(`time="${new Date().toISOString()}" level=${l} msg=${JSON.stringify(msg)}\n`);
  };
}

/** Refuses to take over a socket another live daemon is serving. */
function socketInUse(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(path);
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

async function main(): Promise<void> {
  const program = new Command('tugd')
    .description('tug engine daemon: serves the Docker Engine API')
    .version(TUG_VERSION, '-v, --version')
    .addOption(new Option('-H, --host <host>', 'daemon socket to listen on').default(`unix://${DEFAULT_SOCKET}`))
    .option('--data-root <dir>', 'root directory of persistent state', '/var/lib/tug')
    .option('--exec-root <dir>', 'root directory for execution state', '/run/tug')
    .option('-D, --debug', 'enable debug mode', false)
    .addOption(new Option('-l, --log-level <level>', 'logging level').choices(['debug', 'info', 'warn', 'error']).default('info'))
    .option('-b, --bridge <name>', 'network bridge for the default network', 'tug0')
    .option('--bip <cidr>', 'address and prefix of the default bridge')
    .option('--insecure-registry <registry>', 'enable insecure registry communication (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--no-cgroup-favordynmods', "leave the cgroup2 mount's options as they are (each container start then waits for an RCU grace period)")
    .exitOverride()
    .configureOutput({ outputError: (str, write) => write(`tugd: ${str.replace(/^error: /, '')}`) });
  try {
    program.parse(process.argv);
  } catch (err) {
    const code = (err as { exitCode?: number }).exitCode ?? 1;
    process.exit(code === 0 ? 0 : 1);
  }
  const opts = program.opts<{ host: string; dataRoot: string; execRoot: string; debug: boolean; logLevel: DaemonConfig['logLevel']; bridge: string; bip?: string; insecureRegistry: string[]; cgroupFavordynmods: boolean }>();
  const config: DaemonConfig = {
    socket: parseHost(opts.host),
    dataRoot: opts.dataRoot,
    execRoot: opts.execRoot,
    debug: opts.debug,
    logLevel: opts.debug ? 'debug' : opts.logLevel,
    bridge: opts.bridge,
    bip: opts.bip,
    insecureRegistries: opts.insecureRegistry,
    favorDynmods: opts.cgroupFavordynmods,
  };
  const log = makeLogger(config.logLevel);
  await mkdir(config.dataRoot, { recursive: true, mode: 0o710 });
  const lock = await lockDataRoot(config.dataRoot);
  if (await socketInUse(config.socket)) throw new Error(`another daemon is already listening on ${config.socket}`);
  const services = await openEngine(config, log);
  const server = createApiServer(services, log);
  await listenUnix(server, config.socket);
  log('info', `tugd ${TUG_VERSION} listening on unix://${config.socket} (data-root ${config.dataRoot})`);

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log('info', `${signal} received, shutting down`);
    services.containers.close();
    closeStaging(config.dataRoot);
    const networksClosed = services.networks.close();
    server.close(() => {
      void networksClosed.then(() => {
        lock.close();
        log('info', 'tugd stopped');
        process.exit(0);
      });
    });
    // Streaming clients (logs -f, events) would hold close() open forever.
    server.closeAllConnections();
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((err: unknown) => {
  process.stderr.write(`tugd: ${errorMessage(err)}\n`);
  process.exit(1);
});
