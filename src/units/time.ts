// Go's time.RFC3339Nano in UTC ("2026-11-22T16:42:24.061234567Z", fraction without trailing
// zeros), and a nanosecond clock: dockerd's timestamps carry nanoseconds, Date only milliseconds.

const offset = BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();

/** Nanoseconds since the Unix epoch. */
export function nowNano(): bigint {
  return offset + process.hrtime.bigint();
}

export function rfc3339Nano(ns: bigint): string {
  const ms = ns / 1_000_000n;
  const iso = new Date(Number(ms)).toISOString().slice(0, 19);
  const frac = (((ns % 1_000_000_000n) + 1_000_000_000n) % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${iso}${frac ? `.${frac}` : ''}Z`;
}

export function nowRFC3339Nano(): string {
  return rfc3339Nano(nowNano());
}

/** The nanoseconds of an RFC 3339 time with up to nine fraction digits; undefined when unreadable. */
export function parseRFC3339Nano(text: string): bigint | undefined {
  const m = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  const secondsMs = m ? Date.parse(`${m[1]}${m[3]}`) : NaN;
  if (!m || Number.isNaN(secondsMs)) return undefined;
  return BigInt(secondsMs) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}
