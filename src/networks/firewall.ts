// iptables rules of one daemon, as one iptables-restore input regenerated from state: masquerade,
// isolation between networks, --internal, and the DNAT of published ports. The chains carry the
// daemon's default bridge name, so that several tugds on one host never touch each other's.
import { errorMessage } from '../errors.js';
import { launch, type Launched } from '../sys/spawn.js';

export interface FirewallNetwork {
  bridge: string;
  subnet: string;
  internal: boolean;
}

export interface PortRule {
  proto: 'tcp' | 'udp';
  /** '' or 0.0.0.0: every host address. */
  hostIp: string;
  hostPort: number;
  /** The last port of a range, when hostPort..hostPortEnd map to containerPort.. one to one. */
  hostPortEnd?: number;
  containerIp: string;
  containerPort: number;
}

export interface FirewallState {
  tag: string;
  /** ip6tables gets no loopback rule: ::1 is never DNATed out of the host. */
  family?: 4 | 6;
  networks: FirewallNetwork[];
  ports: PortRule[];
}

export interface ChainNames {
  dnat: string;
  post: string;
  forward: string;
}

export function chainNames(tag: string): ChainNames {
  return { dnat: `TUG-DNAT-${tag}`, post: `TUG-POST-${tag}`, forward: `TUG-FWD-${tag}` };
}

/** The jumps from the built-in chains into ours, as `iptables` arguments after -t TABLE -X CHAIN. */
export function jumps(tag: string): { table: 'nat' | 'filter'; chain: string; rule: string[] }[] {
  const c = chainNames(tag);
  return [
    { table: 'nat', chain: 'PREROUTING', rule: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', c.dnat] },
    { table: 'nat', chain: 'OUTPUT', rule: ['-m', 'addrtype', '--dst-type', 'LOCAL', '-j', c.dnat] },
    { table: 'nat', chain: 'POSTROUTING', rule: ['-j', c.post] },
    { table: 'filter', chain: 'FORWARD', rule: ['-j', c.forward] },
  ];
}

function portRule(c: ChainNames, p: PortRule): string {
  const dst = p.hostIp && p.hostIp !== '0.0.0.0' ? ` -d ${p.hostIp}/32` : '';
  if (p.hostPortEnd !== undefined && p.hostPortEnd !== p.hostPort) {
    // One rule for a whole range that keeps its port numbers: no port in the target.
    return `-A ${c.dnat}${dst} -p ${p.proto} -m ${p.proto} --dport ${p.hostPort}:${p.hostPortEnd} -j DNAT --to-destination ${p.containerIp}`;
  }
  return `-A ${c.dnat}${dst} -p ${p.proto} -m ${p.proto} --dport ${p.hostPort} -j DNAT --to-destination ${p.containerIp}:${p.containerPort}`;
}

/** The iptables-restore input; declaring a chain in a --noflush restore empties it first. */
export function renderRules(s: FirewallState): string {
  const c = chainNames(s.tag);
  const nat = ['*nat', `:${c.dnat} - [0:0]`, `:${c.post} - [0:0]`];
  for (const p of s.ports) nat.push(portRule(c, p));
  for (const n of s.networks) {
    // Published ports reached from 127.0.0.1 leave with a loopback source the container cannot answer.
    if (s.family !== 6) nat.push(`-A ${c.post} -s 127.0.0.0/8 -o ${n.bridge} -j MASQUERADE`);
    if (!n.internal) nat.push(`-A ${c.post} -s ${n.subnet} ! -o ${n.bridge} -j MASQUERADE`);
    // Hairpin: a container reaching a published port of its own network through a host address
    // must see the reply come back from the host, not straight from the other container.
    nat.push(`-A ${c.post} -s ${n.subnet} -o ${n.bridge} -m conntrack --ctstate DNAT -j MASQUERADE`);
  }
  nat.push('COMMIT');
  const filter = ['*filter', `:${c.forward} - [0:0]`];
  for (const n of s.networks) {
    if (n.internal) {
      filter.push(`-A ${c.forward} -i ${n.bridge} ! -o ${n.bridge} -j DROP`, `-A ${c.forward} -o ${n.bridge} ! -i ${n.bridge} -j DROP`);
    }
  }
  // A published port is open to every network (but internal ones, dropped above), as Docker's.
  if (s.networks.length) filter.push(`-A ${c.forward} -m conntrack --ctstate DNAT -j ACCEPT`);
  for (const n of s.networks) {
    for (const other of s.networks) {
      if (other !== n) filter.push(`-A ${c.forward} -i ${n.bridge} -o ${other.bridge} -j DROP`);
    }
  }
  for (const n of s.networks) filter.push(`-A ${c.forward} -i ${n.bridge} -j ACCEPT`, `-A ${c.forward} -o ${n.bridge} -j ACCEPT`);
  filter.push('COMMIT');
  return [...nat, ...filter, ''].join('\n');
}

/**
 * Runs a program with `input` on stdin; a failure reads `<label>: <stderr>` (the command line's start by default).
 * `onOutput` sees the output so far each time more arrives.
 */
export function run(cmd: string, args: string[], input = '', label = `${cmd} ${args.slice(0, 3).join(' ')}`, onOutput?: (out: string) => void): Promise<string> {
  return new Promise((resolve, reject) => {
    let child: Launched;
    try {
      child = launch(cmd, args, { pipes: [0, 1, 2] });
    } catch (e) {
      return reject(new Error(`${cmd}: ${errorMessage(e)}`));
    }
    let out = '';
    let err = '';
    child.streams.get(1)!.on('data', (d: Buffer) => {
      out += d.toString();
      onOutput?.(out);
    });
    child.streams.get(2)!.on('data', (d: Buffer) => { err += d.toString(); });
    void child.closed.then(({ code, signal }) => (code === 0 ? resolve(out) : reject(new Error(`${label}: ${err.trim() || (signal ?? `exit ${code}`)}`))));
    child.streams.get(0)!.end(input);
  });
}

/** Applies the rules and makes sure the jumps exist once; skips the exec when nothing changed. */
export class Firewall {
  private applied = '';
  private jumpsReady = false;
  private queue: Promise<unknown> = Promise.resolve();

  private readonly cmd: string;

  constructor(private readonly tag: string, private readonly family: 4 | 6 = 4) {
    this.cmd = family === 6 ? 'ip6tables' : 'iptables';
  }

  apply(state: Omit<FirewallState, 'tag' | 'family'>): Promise<void> {
    const text = renderRules({ tag: this.tag, family: this.family, ...state });
    const next = this.queue.then(async () => {
      if (text === this.applied) return;
      await run(`${this.cmd}-restore`, ['-w', '--noflush'], text);
      this.applied = text;
      if (!this.jumpsReady) await this.ensureJumps();
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async ensureJumps(): Promise<void> {
    for (const j of jumps(this.tag)) {
      const exists = await run(this.cmd, ['-w', '-t', j.table, '-C', j.chain, ...j.rule]).then(() => true, () => false);
      if (!exists) await run(this.cmd, ['-w', '-t', j.table, '-I', j.chain, '1', ...j.rule]);
    }
    this.jumpsReady = true;
  }

  /** Clean stop: the jumps and the chains go; containers still running lose published ports. */
  async remove(): Promise<void> {
    await this.queue;
    for (const j of jumps(this.tag)) {
      while (await run(this.cmd, ['-w', '-t', j.table, '-D', j.chain, ...j.rule]).then(() => true, () => false));
    }
    const c = chainNames(this.tag);
    for (const [table, chain] of [['nat', c.dnat], ['nat', c.post], ['filter', c.forward]] as const) {
      await run(this.cmd, ['-w', '-t', table, '-F', chain]).catch(() => undefined);
      await run(this.cmd, ['-w', '-t', table, '-X', chain]).catch(() => undefined);
    }
    this.applied = '';
    this.jumpsReady = false;
  }
}
