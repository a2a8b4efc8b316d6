// The image reference grammar of github.com/distribution/reference, spelled as regular
// expressions. Go's RE2 picks submatches leftmost-first like JS's backtracking engine, so
// the same patterns capture the same groups.

const alphanumeric = '[a-z0-9]+';
// One period, one or two underscores, or any run of dashes.
const separator = '(?:[._]|__|[-]+)';
const pathComponent = `${alphanumeric}(?:${separator}${alphanumeric})*`;
const remoteName = `${pathComponent}(?:/${pathComponent})*`;

const domainNameComponent = '(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])';
const domainName = `${domainNameComponent}(?:\\.${domainNameComponent})*`;
const ipv6address = '\\[(?:[a-fA-F0-9:]+)\\]';
const domainAndPort = `(?:${domainName}|${ipv6address})(?::[0-9]+)?`;

// Go's \w is ASCII-only, as is JS's without the u flag.
const tag = '[\\w][\\w.-]{0,127}';
const digest = '[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*[:][0-9A-Fa-f]{32,}';

/** name, tag and digest captured as groups 1, 2 and 3. */
export const referenceRegexp = new RegExp(
  `^((?:${domainAndPort}/)?${remoteName})(?::(${tag}))?(?:@(${digest}))?$`,
);
/** domain (group 1, may be absent) and path (group 2) of a name. */
export const anchoredNameRegexp = new RegExp(`^(?:(${domainAndPort})/)?(${remoteName})$`);
export const anchoredTagRegexp = new RegExp(`^${tag}$`);
export const anchoredDigestRegexp = new RegExp(`^${digest}$`);
export const anchoredIdentifierRegexp = /^[a-f0-9]{64}$/;

// go-digest's own, looser digest shape, consulted only for unknown algorithms.
const goDigestAnchored = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

// Docker links go-digest v1.0.0, which registers these three algorithms.
const digestHexLength: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

/**
 * go-digest's Parse: returns its error message for an invalid digest, or undefined when
 * the digest is usable.
 */
export function digestError(d: string): string | undefined {
  const colon = d.indexOf(':');
  if (colon < 0 || colon === d.length - 1) return 'invalid checksum digest format';
  const algorithm = d.slice(0, colon);
  const encoded = d.slice(colon + 1);
  const length = Object.hasOwn(digestHexLength, algorithm) ? digestHexLength[algorithm] : undefined;
  if (length === undefined) {
    return goDigestAnchored.test(d) ? 'unsupported digest algorithm' : 'invalid checksum digest format';
  }
  if (encoded.length !== length) return 'invalid checksum digest length';
  if (!/^[a-f0-9]+$/.test(encoded)) return 'invalid checksum digest format';
  return undefined;
}

/**
 * Go's strings.ToLower: per code point, so no final-sigma rule, and U+0130 becomes a plain
 * "i" where JS would produce two code points.
 */
export function goToLower(s: string): string {
  return Array.from(s, (c) => (c === '\u0130' ? 'i' : c.toLowerCase())).join('');
}
