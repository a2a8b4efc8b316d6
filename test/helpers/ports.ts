// Host ports for tests that publish them. Ports are taken below the kernel's ephemeral range
// (ip_local_port_range), where no outgoing connection of this or any other test can be using
// one, and each candidate range is checked by binding every port of it before it is handed out.
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';

function ephemeralLow(): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(low) && low > 2048 ? low : 32768;
  } catch {
    return 32768;
  }
}

function bindable(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => resolve(server));
  });
}

async function allBindable(base: number, count: number): Promise<boolean> {
  const held: Server[] = [];
  try {
    for (let port = base; port < base + count; port++) {
      const server = await bindable(port);
      if (!server) return false;
      held.push(server);
    }
    return true;
  } finally {
    await Promise.all(held.map((s) => new Promise((r) => s.close(r))));
  }
}

/** The first port of `count` consecutive TCP ports that nothing on this host is using. */
export async function freePorts(count = 1): Promise<number> {
  const high = ephemeralLow() - count;
  const low = 10000;
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = low + Math.floor(Math.random() * (high - low));
    if (await allBindable(base, count)) return base;
  }
  throw new Error(`no ${count} free consecutive ports below ${high + count}`);
}
