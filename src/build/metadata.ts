// Instructions that change only the image config (ENV, LABEL, CMD, …), applied as the
// classic builder applies them. Pure: the executor commits the result as a layerless step.
import { InvalidParameterError } from '../errors.js';
import type { ImageRunConfig } from '../images/types.js';
import { expand, expandWords, type CommandForm, type Instruction, type Lookup } from './dockerfile/index.js';

export interface StepContext {
  lookup: Lookup;
  escape: string;
  /** The stage's shell (SHELL, or /bin/sh -c) for shell forms. */
  shell: string[];
}

/** Applies `ins` to a copy of `config`; `cmdSet` tracks whether this build set CMD yet. */
export function applyMetadata(config: ImageRunConfig, ins: Instruction, ctx: StepContext, cmdSet: boolean): { config: ImageRunConfig; cmdSet: boolean } {
  const c: ImageRunConfig = structuredClone(config);
  const x = (w: string) => expand(w, ctx.lookup, ctx.escape);
  switch (ins.kind) {
    case 'ENV': {
      const env = [...(c.Env ?? [])];
      for (const [k, v] of ins.pairs) {
        const key = x(k);
        const value = x(v);
        const i = env.findIndex((e) => e.slice(0, e.indexOf('=')) === key);
        if (i >= 0) env[i] = `${key}=${value}`;
        else env.push(`${key}=${value}`);
      }
      c.Env = env;
      break;
    }
    case 'LABEL': {
      const labels = { ...(c.Labels ?? {}) };
      for (const [k, v] of ins.pairs) labels[x(k)] = x(v);
      c.Labels = labels;
      break;
    }
    case 'EXPOSE': {
      const ports = { ...(c.ExposedPorts ?? {}) };
      for (const p of ins.ports.flatMap((w) => expandWords(w, ctx.lookup, ctx.escape))) {
        const m = /^(\d+)(?:-(\d+))?(?:\/(tcp|udp|sctp))?$/i.exec(p);
        if (!m) throw new InvalidParameterError(`invalid containerPort: ${p}`);
        const lo = Number(m[1]);
        const hi = m[2] ? Number(m[2]) : lo;
        if (lo < 1 || hi > 65535 || hi < lo) throw new InvalidParameterError(`invalid port range: ${p}`);
        for (let port = lo; port <= hi; port++) ports[`${port}/${(m[3] ?? 'tcp').toLowerCase()}`] = {};
      }
      c.ExposedPorts = ports;
      break;
    }
    case 'VOLUME': {
      const vols = { ...(c.Volumes ?? {}) };
      for (const v of ins.paths.map(x)) {
        if (v.trim() === '') throw new InvalidParameterError('VOLUME specified can not be an empty string');
        vols[v] = {};
      }
      c.Volumes = vols;
      break;
    }
    case 'USER':
      c.User = x(ins.value);
      break;
    case 'WORKDIR': {
      const dir = x(ins.value);
      c.WorkingDir = dir.startsWith('/') ? posixJoin(dir) : posixJoin(c.WorkingDir || '/', dir);
      break;
    }
    case 'STOPSIGNAL':
      c.StopSignal = x(ins.value);
      break;
    case 'CMD':
      c.Cmd = commandArgv(ins.command, ctx.shell);
      return { config: c, cmdSet: true };
    case 'ENTRYPOINT':
      c.Entrypoint = 'shell' in ins.command && ins.command.shell === '' ? null : commandArgv(ins.command, ctx.shell);
      // An ENTRYPOINT drops a CMD inherited from the base image (not one this build set).
      if (!cmdSet) c.Cmd = null;
      break;
    case 'HEALTHCHECK':
      if (ins.test && ins.test[0] === 'NONE') c.Healthcheck = { Test: ['NONE'] };
      else {
        const h: NonNullable<ImageRunConfig['Healthcheck']> = { Test: ins.test ?? [] };
        if (ins.interval) h.Interval = ins.interval;
        if (ins.timeout) h.Timeout = ins.timeout;
        if (ins.startPeriod) h.StartPeriod = ins.startPeriod;
        if (ins.startInterval) h.StartInterval = ins.startInterval;
        if (ins.retries) h.Retries = ins.retries;
        c.Healthcheck = h;
      }
      break;
    case 'SHELL':
      c.Shell = [...ins.shell];
      break;
    case 'ONBUILD':
      c.OnBuild = [...(c.OnBuild ?? []), ins.expression];
      break;
    default:
      break;
  }
  return { config: c, cmdSet };
}

function posixJoin(...parts: string[]): string {
  const joined = parts.join('/').split('/').filter(Boolean);
  const out: string[] = [];
  for (const p of joined) {
    if (p === '..') out.pop();
    else if (p !== '.') out.push(p);
  }
  return `/${out.join('/')}`;
}

/** CMD / ENTRYPOINT / RUN argv: the JSON array as is, or the shell with the line. */
export function commandArgv(form: CommandForm, shell: string[]): string[] {
  return 'json' in form ? [...form.json] : [...shell, form.shell];
}

/** `#(nop)` history text of a metadata step, as the classic builder writes it. */
export function nopCreatedBy(ins: Instruction, shownText: string): string {
  const oneSpace = ins.kind === 'WORKDIR' || ins.kind === 'COPY' || ins.kind === 'ADD';
  return `/bin/sh -c #(nop) ${oneSpace ? '' : ' '}${shownText}`;
}
