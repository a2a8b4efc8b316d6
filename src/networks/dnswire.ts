// The few pieces of the DNS wire format (RFC 1035) the embedded resolver needs: read a query's
// question, write an answer of A records, or an empty answer with a response code.
import { formatIPv6, parseIPv6 } from './ipam6.js';

export interface Question {
  id: number;
  /** Lower case, no trailing dot. */
  name: string;
  type: number;
  klass: number;
  /** Offset just past the question section. */
  end: number;
}

export const TYPE_A = 1;
export const TYPE_AAAA = 28;
export const RCODE_NXDOMAIN = 3;
export const RCODE_SERVFAIL = 2;
export const RCODE_FORMERR = 1;

/** The first question of a query; undefined for anything that is not a well-formed query. */
export function parseQuery(msg: Buffer): Question | undefined {
  if (msg.length < 12) return undefined;
  const flags = msg.readUInt16BE(2);
  if (flags & 0x8000 || msg.readUInt16BE(4) < 1) return undefined;
  const labels: string[] = [];
  let off = 12;
  for (;;) {
    if (off >= msg.length) return undefined;
    const len = msg[off]!;
    off++;
    if (len === 0) break;
    // Queries carry no compression pointers in their question; refuse them rather than loop.
    if (len > 63 || off + len > msg.length) return undefined;
    labels.push(msg.toString('latin1', off, off + len));
    off += len;
  }
  if (off + 4 > msg.length) return undefined;
  return { id: msg.readUInt16BE(0), name: labels.join('.').toLowerCase(), type: msg.readUInt16BE(off), klass: msg.readUInt16BE(off + 2), end: off + 4 };
}

/** A response to `query` (its question echoed) with A (dotted) or AAAA (colon) records for `ips`. */
export function buildResponse(query: Buffer, q: Question, ips: readonly string[], rcode = 0, ttl = 600): Buffer {
  const header = Buffer.alloc(12);
  header.writeUInt16BE(q.id, 0);
  const rd = query.readUInt16BE(2) & 0x0100;
  // QR, AA, RA, and the client's RD.
  header.writeUInt16BE(0x8000 | 0x0400 | rd | 0x0080 | (rcode & 0xf), 2);
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(ips.length, 6);
  const question = query.subarray(12, q.end);
  const answers = ips.map((ip) => {
    const v6 = ip.includes(':');
    const rr = Buffer.alloc(v6 ? 28 : 16);
    rr.writeUInt16BE(0xc00c, 0);
    rr.writeUInt16BE(v6 ? TYPE_AAAA : TYPE_A, 2);
    rr.writeUInt16BE(1, 4);
    rr.writeUInt32BE(ttl, 6);
    rr.writeUInt16BE(v6 ? 16 : 4, 10);
    if (v6) {
      const n = parseIPv6(ip);
      for (let i = 0; i < 16; i++) rr.writeUInt8(Number((n >> BigInt(8 * (15 - i))) & 0xffn), 12 + i);
    } else ip.split('.').forEach((o, i) => rr.writeUInt8(Number(o), 12 + i));
    return rr;
  });
  return Buffer.concat([header, question, ...answers]);
}

/** A query for `name` (used by tests and the bench to ask the resolver directly). */
export function buildQuery(id: number, name: string, type = TYPE_A): Buffer {
  const parts = name.split('.').filter(Boolean).map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l, 'latin1')]));
  const header = Buffer.alloc(12);
  header.writeUInt16BE(id, 0);
  header.writeUInt16BE(0x0100, 2);
  header.writeUInt16BE(1, 4);
  const tail = Buffer.alloc(5);
  tail.writeUInt16BE(type, 1);
  tail.writeUInt16BE(1, 3);
  return Buffer.concat([header, ...parts, tail]);
}

/** The A and AAAA records of a response, as text. */
export function answersOf(msg: Buffer): { rcode: number; ips: string[] } {
  const rcode = msg.readUInt16BE(2) & 0xf;
  const q = parseQueryLoose(msg);
  const ips: string[] = [];
  let off = q;
  for (let i = 0; i < msg.readUInt16BE(6) && off < msg.length; i++) {
    off = skipName(msg, off);
    const type = msg.readUInt16BE(off);
    const len = msg.readUInt16BE(off + 8);
    if (type === TYPE_A && len === 4) ips.push([...msg.subarray(off + 10, off + 14)].join('.'));
    if (type === TYPE_AAAA && len === 16) ips.push(formatIPv6(BigInt(`0x${msg.subarray(off + 10, off + 26).toString('hex')}`)));
    off += 10 + len;
  }
  return { rcode, ips };
}

function skipName(msg: Buffer, off: number): number {
  while (off < msg.length) {
    const len = msg[off]!;
    if (len === 0) return off + 1;
    if ((len & 0xc0) === 0xc0) return off + 2;
    off += len + 1;
  }
  return off;
}

function parseQueryLoose(msg: Buffer): number {
  return skipName(msg, 12) + 4;
}
