// The container's capability set from Docker's --cap-add / --cap-drop / --privileged rules
// (moby caps.TweakCapabilities), checked against what this host can grant.

import { InvalidParameterError } from '../../errors.js';
import { ALL_CAPABILITIES, DEFAULT_CAPABILITIES } from './defaults.js';

const ALL = 'ALL';

/** Upper-cases and adds CAP_; "ALL" passes through. Unknown or unavailable names are errors. */
export function normalizeCapabilities(names: readonly string[], available: readonly string[] = ALL_CAPABILITIES): string[] {
  return names.map((raw) => {
    let c = raw.toUpperCase();
    if (c === ALL) return c;
    if (!c.startsWith('CAP_')) c = `CAP_${c}`;
    if (!ALL_CAPABILITIES.includes(c)) throw new InvalidParameterError(`unknown capability: "${c}"`);
    if (!available.includes(c)) {
      throw new InvalidParameterError(`capability not supported by your kernel or not available in the current environment: "${c}"`);
    }
    return c;
  });
}

/**
 * Docker's rules: privileged gets everything available; `--cap-add ALL` is everything but the
 * drops; `--cap-drop ALL` is only the adds; otherwise defaults minus drops plus adds.
 */
export function tweakCapabilities(
  add: readonly string[],
  drop: readonly string[],
  privileged: boolean,
  available: readonly string[] = ALL_CAPABILITIES,
): string[] {
  if (privileged) return ALL_CAPABILITIES.filter((c) => available.includes(c));
  if (add.length === 0 && drop.length === 0) return [...DEFAULT_CAPABILITIES];
  const drops = normalizeCapabilities(drop, available);
  const adds = normalizeCapabilities(add, available);
  let caps: string[];
  if (adds.includes(ALL)) {
    caps = ALL_CAPABILITIES.filter((c) => available.includes(c) && !drops.includes(c));
  } else if (drops.includes(ALL)) {
    caps = adds;
  } else {
    caps = [...DEFAULT_CAPABILITIES.filter((c) => !drops.includes(c)), ...adds];
  }
  return [...new Set(caps)];
}

/** Decodes a capability mask as /proc/PID/status shows it (CapBnd: 000001fffeffffff). */
export function capsFromMask(hex: string): string[] {
  const mask = BigInt(`0x${hex.trim()}`);
  return ALL_CAPABILITIES.filter((_, bit) => (mask >> BigInt(bit)) & 1n);
}
