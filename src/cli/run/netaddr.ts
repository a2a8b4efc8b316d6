// The parts of Go's net package that docker's flag parsing leans on: ParseIP (no zones, no
// leading zeros in IPv4), IP.String (RFC 5952, IPv4-mapped shown dotted), SplitHostPort and
// ParseMAC, each with Go's acceptance rules.

function parseIPv4Into(s: string, out: number[]): boolean {
  const fields = s.split('.');
  if (fields.length !== 4) return false;
  for (const f of fields) {
    if (!/^[0-9]{1,3}$/.test(f) || (f.length > 1 && f[0] === '0')) return false;
    const v = Number(f);
    if (v > 255) return false;
    out.push(v);
  }
  return true;
}

function parseIPv6(s: string): number[] | undefined {
  const ip: number[] = [];
  let ellipsis = -1;
  if (s.startsWith('::')) {
    ellipsis = 0;
    s = s.slice(2);
  }
  while (s !== '' && ip.length < 16) {
    const m = /^[0-9a-fA-F]*/.exec(s)![0];
    if (s[m.length] === '.') {
      // An embedded IPv4 address takes the last 32 bits.
      if ((ellipsis < 0 && ip.length !== 12) || ip.length + 4 > 16) return undefined;
      const v4: number[] = [];
      if (!parseIPv4Into(s, v4)) return undefined;
      ip.push(...v4);
      s = '';
      break;
    }
    if (m.length === 0 || m.length > 4) return undefined;
    const v = parseInt(m, 16);
    ip.push(v >> 8, v & 0xff);
    s = s.slice(m.length);
    if (s === '') break;
    if (s[0] !== ':' || s.length === 1) return undefined;
    s = s.slice(1);
    if (s[0] === ':') {
      if (ellipsis >= 0) return undefined;
      ellipsis = ip.length;
      s = s.slice(1);
    }
  }
  if (s !== '') return undefined;
  if (ip.length < 16) {
    if (ellipsis < 0) return undefined;
    ip.splice(ellipsis, 0, ...new Array<number>(16 - ip.length).fill(0));
  } else if (ellipsis >= 0) {
    return undefined;
  }
  return ip;
}

/** net.ParseIP: 16 bytes (IPv4 as ::ffff:a.b.c.d), or undefined when s is not an address. */
export function parseIP(s: string): number[] | undefined {
  if (s.includes(':')) return s.includes('%') ? undefined : parseIPv6(s);
  const v4: number[] = [];
  if (!parseIPv4Into(s, v4)) return undefined;
  return [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, ...v4];
}

/** net.IP.String for a parsed address. */
export function formatIP(ip: number[]): string {
  if (ip.slice(0, 10).every((b) => b === 0) && ip[10] === 0xff && ip[11] === 0xff) return ip.slice(12).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip[i] << 8) | ip[i + 1]);
  // The longest run of two or more zero groups (the first, on a tie) becomes "::".
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  const hex = (g: number[]) => g.map((x) => x.toString(16)).join(':');
  if (best < 0) return hex(groups);
  return `${hex(groups.slice(0, best))}::${hex(groups.slice(best + bestLen))}`;
}

/** net.SplitHostPort's errors are *AddrError: "address X: why". */
export function splitHostPort(hostport: string): { host: string; port: string } | { error: string } {
  const fail = (why: string) => ({ error: hostport === '' ? why : `address ${hostport}: ${why}` });
  const i = hostport.lastIndexOf(':');
  if (i < 0) return fail('missing port in address');
  let host: string;
  let j = 0;
  let k = 0;
  if (hostport[0] === '[') {
    const end = hostport.indexOf(']');
    if (end < 0) return fail("missing ']' in address");
    if (end + 1 === hostport.length) return fail('missing port in address');
    if (end + 1 !== i) return fail(hostport[end + 1] === ':' ? 'too many colons in address' : 'missing port in address');
    host = hostport.slice(1, end);
    j = 1;
    k = end + 1;
  } else {
    host = hostport.slice(0, i);
    if (host.includes(':')) return fail('too many colons in address');
  }
  if (hostport.indexOf('[', j) >= 0) return fail("unexpected '[' in address");
  if (hostport.indexOf(']', k) >= 0) return fail("unexpected ']' in address");
  return { host, port: hostport.slice(i + 1) };
}

/** Whether net.ParseMAC accepts s (EUI-48, EUI-64 or 20-octet InfiniBand; ':', '-' or '.'). */
export function isMAC(s: string): boolean {
  if (s.length < 14) return false;
  const sizes = [6, 8, 20];
  if (s[2] === ':' || s[2] === '-') {
    if ((s.length + 1) % 3 !== 0 || !sizes.includes((s.length + 1) / 3)) return false;
    for (let x = 0; x < s.length; x += 3) {
      if (!/^[0-9a-fA-F]{2}$/.test(s.slice(x, x + 2))) return false;
      if (x + 2 < s.length && s[x + 2] !== s[2]) return false;
    }
    return true;
  }
  if (s[4] === '.') {
    if ((s.length + 1) % 5 !== 0 || !sizes.includes((2 * (s.length + 1)) / 5)) return false;
    for (let x = 0; x < s.length; x += 5) {
      if (!/^[0-9a-fA-F]{4}$/.test(s.slice(x, x + 4))) return false;
      if (x + 4 < s.length && s[x + 4] !== '.') return false;
    }
    return true;
  }
  return false;
}
