// tug pull, push, login, logout and search (and `tug image pull|push`).
import type { Command } from 'commander';
import type { SearchResult } from '../../client/index.js';
import { render } from '../format/table.js';
import { ExitError, client, collect, filtersFrom, out, run } from '../context.js';
import { lookup, remove, serverKey, store, configPath } from '../registry/credentials.js';
import { pullImage, pushImage, type PullFlags } from '../registry/pull.js';
import { flagValueError } from '../usage.js';

async function pull(image: string, flags: PullFlags): Promise<void> {
  const done = await pullImage(client(), image, flags, process.stdout);
  out(`${done}\n`);
}

/** A line typed on the terminal; without echo for passwords. */
async function prompt(question: string, secret: boolean): Promise<string> {
  process.stdout.write(question);
  const stdin = process.stdin;
  const raw = secret && stdin.isTTY;
  if (raw) stdin.setRawMode(true);
  try {
    return await new Promise<string>((resolve, reject) => {
      let buf = '';
      const onData = (d: Buffer) => {
        for (const ch of d.toString('utf8')) {
          if (ch === '\u0003') return finish(new ExitError(1, ''));
          if (ch === '\r' || ch === '\n') return finish();
          if (ch === '\u007f') buf = buf.slice(0, -1);
          else buf += ch;
        }
      };
      const finish = (err?: Error) => {
        stdin.off('data', onData);
        stdin.pause();
        if (raw) process.stdout.write('\n');
        if (err) reject(err);
        else resolve(buf);
      };
      stdin.on('data', onData);
      stdin.resume();
    });
  } finally {
    if (raw) stdin.setRawMode(false);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/[\r\n]+$/, '');
}

async function login(server: string | undefined, flags: { username?: string; password?: string; passwordStdin?: boolean }): Promise<void> {
  const key = serverKey(server);
  let { username, password } = flags;
  if (flags.password !== undefined) process.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
  if (flags.passwordStdin) {
    if (flags.password !== undefined) throw new ExitError(1, '--password and --password-stdin are mutually exclusive');
    if (!username) throw new ExitError(1, 'Must provide --username with --password-stdin');
    password = await readStdin();
  }
  if (username === undefined && password === undefined) {
    const saved = lookup(key);
    if (saved) {
      process.stdout.write('Authenticating with existing credentials...\n');
      username = saved.username;
      password = saved.password;
    }
  }
  if (!username) {
    if (!process.stdin.isTTY) throw new ExitError(1, 'Error: Cannot perform an interactive login from a non TTY device');
    username = (await prompt('Username: ', false)).trim();
    if (!username) throw new ExitError(1, 'Error: Username is required');
  }
  if (password === undefined || password === '') {
    if (!process.stdin.isTTY) throw new ExitError(1, 'Error: Cannot perform an interactive login from a non TTY device');
    password = await prompt('Password: ', true);
    if (!password) throw new ExitError(1, 'Error: Password is required');
  }
  const res = await client().login({ username, password, serveraddress: key });
  store({ username, password, serveraddress: key });
  process.stderr.write(`WARNING! Your credentials are stored unencrypted in '${configPath()}'.\nConfigure a credential helper to remove this warning. See\nhttps://docs.docker.com/go/credential-store/\n\n`);
  out(`${res.Status || 'Login Succeeded'}\n`);
}

function logout(server: string | undefined): void {
  const key = serverKey(server);
  if (!lookup(key)) {
    out(`Not logged in to ${key}\n`);
    return;
  }
  out(`Removing login credentials for ${key}\n`);
  remove(key);
}

const SEARCH_FORMAT = 'table {{.Name}}\t{{.Description}}\t{{.StarCount}}\t{{.IsOfficial}}';
const SEARCH_HEADERS = { Name: 'NAME', Description: 'DESCRIPTION', StarCount: 'STARS', IsOfficial: 'OFFICIAL', IsAutomated: 'AUTOMATED' };

/** One search row with docker's field names; descriptions cut at 45 characters unless --no-trunc. */
export function searchRow(r: SearchResult, noTrunc: boolean): Record<string, unknown> {
  let desc = r.description.replace(/\n/g, ' ');
  if (!noTrunc && [...desc].length > 45) desc = [...desc].slice(0, 44).join('') + '…';
  return { Name: r.name, Description: desc, StarCount: String(r.star_count), IsOfficial: r.is_official ? '[OK]' : '', IsAutomated: r.is_automated ? '[OK]' : '' };
}

/** The stored login of the registry a search term names (`host:port/term`), else anonymous. */
function searchAuth(term: string): string {
  const first = term.includes('/') ? term.slice(0, term.indexOf('/')) : '';
  const server = first && (first === 'localhost' || /[.:]/.test(first)) ? first : undefined;
  return Buffer.from(JSON.stringify(lookup(serverKey(server)) ?? {})).toString('base64url');
}

async function search(term: string, flags: { limit?: string; filter?: string[]; trunc?: boolean; format?: string }, cmd: Command): Promise<void> {
  let limit: number | undefined;
  if (flags.limit !== undefined) {
    if (!/^-?\d+$/.test(flags.limit)) throw flagValueError(cmd, `invalid argument "${flags.limit}" for "--limit" flag: strconv.ParseInt: parsing "${flags.limit}": invalid syntax`);
    limit = Number(flags.limit) || undefined;
  }
  const filters = filtersFrom(flags.filter);
  const results = await client().imageSearch(term, { limit, filters, registryAuth: searchAuth(term) });
  out(render(flags.format ?? '', results.map((r) => searchRow(r, flags.trunc === false)), SEARCH_HEADERS, { defaultFormat: SEARCH_FORMAT, context: '*registry.searchContext' }));
}

export function registerDistributionCommands(program: Command, image: Command): void {
  for (const cmd of [program.command('pull'), image.command('pull')]) {
    cmd.description('Download an image from a registry')
      .usage('[OPTIONS] NAME[:TAG|@DIGEST]')
      .argument('<NAME[:TAG|@DIGEST]>')
      .option('-a, --all-tags', 'Download all tagged images in the repository')
      .option('-q, --quiet', 'Suppress verbose output')
      .option('--platform <string>', 'Set platform if server is multi-platform capable')
      .option('--disable-content-trust', 'Skip image verification (default true)')
      .action((name: string, flags: PullFlags) => run(() => pull(name, flags)));
  }
  for (const cmd of [program.command('push'), image.command('push')]) {
    cmd.description('Upload an image to a registry')
      .usage('[OPTIONS] NAME[:TAG]')
      .argument('<NAME[:TAG]>')
      .option('-a, --all-tags', 'Push all tags of an image to the repository')
      .option('-q, --quiet', 'Suppress verbose output')
      .option('--disable-content-trust', 'Skip image signing (default true)')
      .action((name: string, flags: { allTags?: boolean; quiet?: boolean }) => run(() => pushImage(client(), name, flags, process.stdout)));
  }
  program.command('login')
    .description('Authenticate to a registry.\nDefaults to Docker Hub if no server is specified.')
    .usage('[OPTIONS] [SERVER]')
    .argument('[SERVER]')
    .option('-u, --username <string>', 'Username')
    .option('-p, --password <string>', 'Password or Personal Access Token (PAT)')
    .option('--password-stdin', 'Take the Password or Personal Access Token (PAT) from stdin')
    .action((server: string | undefined, flags: { username?: string; password?: string; passwordStdin?: boolean }) => run(() => login(server, flags)));
  program.command('logout')
    .description('Log out from a registry.\nIf no server is specified, the default is defined by the daemon.')
    .usage('[SERVER]')
    .argument('[SERVER]')
    .action((server: string | undefined) => run(async () => logout(server)));
  program.command('search')
    .description('Search Docker Hub for images')
    .usage('[OPTIONS] TERM')
    .argument('<TERM>')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--format <string>', 'Pretty-print search using a Go template')
    .option('--limit <int>', 'Max number of search results')
    .option('--no-trunc', 'Don\'t truncate output')
    .action((term: string, flags: { limit?: string; filter?: string[]; trunc?: boolean; format?: string }, cmd: Command) => run(() => search(term, flags, cmd)));
}
