// tug container inspect, and the top-level tug inspect that looks an object up as a container
// first, then an image (then the kinds tug may serve later), as docker/cli's inspect does.
import type { Command } from 'commander';
import { DaemonError, readAll, type EngineClient } from '../../../client/index.js';
import { compactJSON } from '../../run/jsoncompact.js';
import { parseTemplate, type Template } from '../../format/template.js';
import { ExitError, client, out, run } from '../../context.js';
import { errorLine } from './batch.js';

const ALL_TYPES = ['config', 'container', 'image', 'network', 'node', 'plugin', 'secret', 'service', 'task', 'volume'];
const ALL_TYPES_TEXT = `"${ALL_TYPES.join('", "')}"`;

/** Go's json.Indent over compact JSON: one value per line, empty {} and [] kept whole. */
export function indentJSON(compact: string, indent = '    '): string {
  let out = '';
  let depth = 0;
  let inString = false;
  for (let i = 0; i < compact.length; i++) {
    const c = compact[i]!;
    if (inString) {
      out += c;
      if (c === '\\') out += compact[++i] ?? '';
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    if ((c === '{' || c === '[') && (compact[i + 1] === '}' || compact[i + 1] === ']')) {
      out += c + compact[++i];
    } else if (c === '{' || c === '[') {
      out += `${c}\n${indent.repeat(++depth)}`;
    } else if (c === '}' || c === ']') {
      out += `\n${indent.repeat(--depth)}${c}`;
    } else if (c === ',') {
      out += `,\n${indent.repeat(depth)}`;
    } else if (c === ':') {
      out += ': ';
    } else {
      out += c;
    }
  }
  return out;
}

/** An inspected object: its JSON as the daemon sent it, and parsed for templates. */
export interface Inspected {
  raw: string;
  value: unknown;
}

/** docker's inspect.Inspect output: indented JSON, compact JSON, or the template (taken as written) per object. */
export function formatInspected(items: readonly Inspected[], format: string | undefined, tmpl?: Template): { text: string; errors: string[] } {
  if (!format) return { text: items.length ? `${indentJSON(compactJSON(`[${items.map((i) => i.raw).join(',')}]`))}\n` : '[]\n', errors: [] };
  if (format === 'json') return { text: items.length ? `${compactJSON(`[${items.map((i) => i.raw).join(',')}]`)}\n` : '[]\n', errors: [] };
  let text = '';
  const errors: string[] = [];
  for (const item of items) {
    try {
      text += `${tmpl!.execute(item.value)}\n`;
    } catch (err) {
      errors.push(`template parsing error: ${(err as Error).message}`);
    }
  }
  return { text: text || '\n', errors };
}

type Getter = (api: EngineClient, ref: string, size: boolean) => Promise<Inspected>;

async function getRaw(api: EngineClient, path: string, query?: Record<string, string | undefined>): Promise<Inspected> {
  const res = await api.transport.call('GET', path, { query });
  const raw = (await readAll(res.body)).toString('utf8').trim();
  return { raw, value: JSON.parse(raw) as unknown };
}

const enc = encodeURIComponent;
const GETTERS: Record<string, Getter> = {
  container: (api, ref, size) => {
    if (ref.trim() === '') throw new ExitError(1, 'invalid container name or ID: value is empty');
    return getRaw(api, `/containers/${enc(ref.trim())}/json`, { size: size ? '1' : undefined });
  },
  image: (api, ref) => getRaw(api, `/images/${ref}/json`),
  network: (api, ref) => getRaw(api, `/networks/${enc(ref)}`),
  volume: (api, ref) => getRaw(api, `/volumes/${enc(ref)}`),
  service: (api, ref) => getRaw(api, `/services/${enc(ref)}`, { insertDefaults: 'true' }),
  task: (api, ref) => getRaw(api, `/tasks/${enc(ref)}`),
  node: (api, ref) => getRaw(api, `/nodes/${enc(ref)}`),
  plugin: (api, ref) => getRaw(api, `/plugins/${enc(ref)}/json`),
  secret: (api, ref) => getRaw(api, `/secrets/${enc(ref)}`),
  config: (api, ref) => getRaw(api, `/configs/${enc(ref)}`),
};

// The order docker tries when no --type is given; swarm kinds only on a swarm manager.
const AUTODETECT: { type: string; swarm?: boolean; size?: boolean }[] = [
  { type: 'container', size: true }, { type: 'image' }, { type: 'network' }, { type: 'volume' },
  { type: 'service', swarm: true }, { type: 'task', swarm: true }, { type: 'node', swarm: true },
  { type: 'plugin' }, { type: 'secret', swarm: true }, { type: 'config', swarm: true },
];

/** Not found, or a kind this daemon does not support: try the next kind. */
export function isSkippable(err: unknown): boolean {
  if (err instanceof DaemonError && err.status === 404) return true;
  const msg = err instanceof Error ? err.message : String(err);
  return msg.includes('not supported') || msg.includes('invalid reference format');
}

function finder(api: EngineClient, size: boolean, only: string): (ref: string) => Promise<Inspected> {
  let swarm: boolean | undefined;
  const isSwarmManager = async () => {
    if (swarm === undefined) {
      try {
        const info = (await api.info()) as { Swarm?: { ControlAvailable?: boolean } };
        swarm = !!info.Swarm?.ControlAvailable;
      } catch (err) {
        process.stderr.write(`${errorLine(err)}\n`);
        swarm = false;
      }
    }
    return swarm;
  };
  return async (ref) => {
    for (const kind of AUTODETECT) {
      if (only && kind.type !== only) continue;
      if (!only && kind.swarm && !(await isSwarmManager())) continue;
      let found: Inspected;
      try {
        found = await GETTERS[kind.type]!(api, ref, size);
      } catch (err) {
        if (!only && isSkippable(err)) continue;
        throw err;
      }
      if (size && !kind.size) process.stderr.write(`WARNING: --size ignored for ${kind.type}\n`);
      return found;
    }
    throw new ExitError(1, `Error: No such object: ${ref}`);
  };
}

/** inspect.Inspect: every reference looked up, the output printed, then the errors (status 1). */
export async function inspectObjects(refs: readonly string[], flags: { format?: string; type?: string; size?: boolean }): Promise<void> {
  if (flags.type !== undefined && flags.type !== '' && !ALL_TYPES.includes(flags.type)) {
    throw new ExitError(1, `unknown type: "${flags.type}": must be one of ${ALL_TYPES_TEXT}`);
  }
  let tmpl: Template | undefined;
  if (flags.format && flags.format !== 'json') {
    try {
      tmpl = parseTemplate(flags.format);
    } catch (err) {
      throw new ExitError(64, `template parsing error: ${(err as Error).message}`);
    }
  }
  const find = finder(client(), !!flags.size, flags.type ?? '');
  const found: Inspected[] = [];
  const errors: string[] = [];
  for (const ref of refs) {
    try {
      found.push(await find(ref));
    } catch (err) {
      errors.push(errorLine(err));
    }
  }
  const res = formatInspected(found, flags.format, tmpl);
  out(res.text);
  errors.push(...res.errors);
  if (errors.length) throw new ExitError(1, errors.join('\n'));
}

export function registerInspectCommands(program: Command, container: Command): void {
  container.command('inspect').description('Display detailed information on one or more containers').usage('[OPTIONS] CONTAINER [CONTAINER...]')
    .argument('<CONTAINER...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('-s, --size', 'Display total file sizes')
    .action((names: string[], flags: { format?: string; size?: boolean }) => run(() => inspectObjects(names, { ...flags, type: 'container' })));
  program.command('inspect').description('Return low-level information on tug objects').usage('[OPTIONS] NAME|ID [NAME|ID...]')
    .argument('<NAME|ID...>')
    .option('-f, --format <string>', 'Format output using a custom template')
    .option('-s, --size', 'Display total file sizes if the type is container')
    .option('--type <string>', 'Only inspect objects of the given type')
    .action((names: string[], flags: { format?: string; type?: string; size?: boolean }, cmd: Command) => run(async () => {
      if (cmd.getOptionValueSource('type') === 'cli' && !flags.type) throw new ExitError(1, `type is empty: must be one of ${ALL_TYPES_TEXT}`);
      await inspectObjects(names, flags);
    }));
}
