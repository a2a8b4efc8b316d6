// `-u` / USER resolved against the image's /etc/passwd and /etc/group contents, with the rules
// and error texts of moby/sys/user (what runc and dockerd use). The caller reads the files.

import { InvalidParameterError } from '../../errors.js';

export interface ResolvedUser {
  uid: number;
  gid: number;
  /** The primary gid first, then the user's supplementary groups, then --group-add (Docker's order). */
  additionalGids: number[];
  /** The passwd home directory, "/" when there is no entry (runc's default for HOME). */
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 2 ** 31 - 1;
const rangeError = () => new InvalidParameterError(`uids and gids must be in range 0-${MAX_ID}`);

/** Go's strconv.Atoi with errors ignored, as the passwd parser does for sloppy files. */
function looseInt(s: string | undefined): number {
  if (s === undefined || !/^[+-]?\d+$/.test(s)) return 0;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : 0;
}

/** A numeric user or group argument, or undefined for a name. Out-of-range numbers are errors. */
function numericId(s: string): number | undefined {
  if (!/^[+-]?\d+$/.test(s)) return undefined;
  const n = Number(s);
  if (n < 0 || n > MAX_ID) throw rangeError();
  return n;
}

function lines(content: string): string[] {
  return content.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

export function parsePasswd(content: string): PasswdEntry[] {
  return lines(content).map((line) => {
    const f = line.split(':');
    return { name: f[0] ?? '', uid: looseInt(f[2]), gid: looseInt(f[3]), home: f[5] ?? '' };
  });
}

export function parseGroup(content: string): GroupEntry[] {
  return lines(content).filter((l) => !l.startsWith('#')).map((line) => {
    const f = line.split(':');
    return { name: f[0] ?? '', gid: looseInt(f[2]), members: f[3] ? f[3].split(',') : [] };
  });
}

/**
 * Resolves "name", "uid", "name:group", "uid:gid" (or "" for root) like dockerd. `passwd` and
 * `group` are the files' contents, undefined when the image has no such file.
 */
export function resolveUser(spec: string, passwd?: string, group?: string, groupAdd: readonly string[] = []): ResolvedUser {
  const parts = spec.split(':');
  const userArg = parts[0] ?? '';
  const groupArg = parts[1] ?? '';
  const uidArg = numericId(userArg);
  const gidArg = numericId(groupArg);

  let uid = 0;
  let gid = 0;
  let home = '';
  let sgids: number[] = [];
  const users = parsePasswd(passwd ?? '').filter((u) =>
    userArg === '' ? u.uid === 0 : uidArg !== undefined ? u.uid === uidArg : u.name === userArg);
  const matched = users[0];
  if (matched) {
    ({ uid, gid, home } = matched);
  } else if (userArg !== '') {
    if (uidArg === undefined) throw new InvalidParameterError(`unable to find user ${userArg}: no matching entries in passwd file`);
    uid = uidArg;
  }

  if (groupArg !== '' || matched?.name) {
    const groups = parseGroup(group ?? '').filter((g) => {
      if (groupArg === '') return g.members.includes(matched?.name as string);
      return gidArg !== undefined ? g.gid === gidArg : g.name === groupArg;
    });
    if (groupArg !== '') {
      if (groups[0]) gid = groups[0].gid;
      else if (gidArg !== undefined) gid = gidArg;
      else throw new InvalidParameterError(`unable to find group ${groupArg}: no matching entries in group file`);
    } else {
      sgids = groups.map((g) => g.gid);
    }
  }

  const extra = groupAdd.length ? additionalGroups(groupAdd, group) : [];
  return { uid, gid, additionalGids: [gid, ...sgids, ...extra], home: home || '/' };
}

/** `--group-add` values: names must exist in the group file, numbers may be used as they are. */
export function additionalGroups(names: readonly string[], group?: string): number[] {
  const entries = parseGroup(group ?? '');
  const gids = new Set<number>();
  for (const name of names) {
    const num = numericId(name);
    const found = entries.find((g) => g.name === name || (num !== undefined && g.gid === num));
    if (found) {
      if (found.gid < 0 || found.gid > MAX_ID) throw rangeError();
      gids.add(found.gid);
    } else if (num !== undefined) {
      gids.add(num);
    } else {
      throw new InvalidParameterError(`unable to find group ${name}: no matching entries in group file`);
    }
  }
  return [...gids];
}
