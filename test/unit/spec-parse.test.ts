// The parsers that feed buildSpec: -u/USER lookup, --ulimit, tmpfs options, /proc/self/limits,
// capability masks and Docker's environment; with Docker's error texts and a fuzz run.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { InvalidParameterError, TugError } from '../../src/errors.js';
import {
  additionalGroups, capsFromMask, containerEnv, mergeTmpfsOptions, parseProcLimits, parseTmpfsOptions, resolveUser,
} from '../../src/runtime/spec/index.js';
import type { ResolvedUser } from '../../src/runtime/spec/index.js';

const PASSWD = `root:x:0:0:root:/root:/bin/sh
daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin
www-data:x:33:33:www-data:/var/www:/usr/sbin/nologin

app:x:1000:1000::/home/app:/bin/sh
`;
const GROUP = `root:x:0:
# comment line
daemon:x:1:
wheel:x:10:root,app
www-data:x:33:
app:x:1000:
docker:x:999:app
`;

describe('resolveUser', () => {
  const cases: [string, string | undefined, string | undefined, string[], ResolvedUser][] = [
    ['', PASSWD, GROUP, [], { uid: 0, gid: 0, additionalGids: [0, 10], home: '/root' }],
    ['app', PASSWD, GROUP, [], { uid: 1000, gid: 1000, additionalGids: [1000, 10, 999], home: '/home/app' }],
    ['1000', PASSWD, GROUP, [], { uid: 1000, gid: 1000, additionalGids: [1000, 10, 999], home: '/home/app' }],
    ['www-data:wheel', PASSWD, GROUP, [], { uid: 33, gid: 10, additionalGids: [10], home: '/var/www' }],
    ['app:0', PASSWD, GROUP, [], { uid: 1000, gid: 0, additionalGids: [0], home: '/home/app' }],
    ['4242', PASSWD, GROUP, [], { uid: 4242, gid: 0, additionalGids: [0], home: '/' }],
    ['4242:4343', undefined, undefined, [], { uid: 4242, gid: 4343, additionalGids: [4343], home: '/' }],
    ['daemon', PASSWD, GROUP, ['wheel', '5000', 'docker', '10'], { uid: 1, gid: 1, additionalGids: [1, 10, 5000, 999], home: '/usr/sbin' }],
    ['', undefined, undefined, [], { uid: 0, gid: 0, additionalGids: [0], home: '/' }],
  ];
  for (const [spec, passwd, group, add, want] of cases) {
    it(`"${spec}"${passwd ? '' : ' without passwd'}${add.length ? ` --group-add ${add}` : ''}`, () =>
      assert.deepEqual(resolveUser(spec, passwd, group, add), want));
  }
  const errors: [string, string[], string][] = [
    ['foo', [], 'unable to find user foo: no matching entries in passwd file'],
    ['app:nogroup', [], 'unable to find group nogroup: no matching entries in group file'],
    ['app', ['nogroup'], 'unable to find group nogroup: no matching entries in group file'],
    ['-1', [], 'uids and gids must be in range 0-2147483647'],
    ['app:99999999999', [], 'uids and gids must be in range 0-2147483647'],
  ];
  for (const [spec, add, message] of errors) {
    it(`refuses "${spec}"${add.length ? ` --group-add ${add}` : ''}`, () =>
      assert.throws(() => resolveUser(spec, PASSWD, GROUP, add), (e) => e instanceof InvalidParameterError && e.message === message));
  }
  it('additionalGroups without a group file takes numbers only', () => {
    assert.deepEqual(additionalGroups(['7', '8', '7']), [7, 8]);
    assert.throws(() => additionalGroups(['audio']), { message: 'unable to find group audio: no matching entries in group file' });
  });
});

describe('tmpfs options', () => {
  const cases: [string, string[]][] = [
    ['', ['noexec', 'nosuid', 'nodev', 'rprivate']],
    ['rw,size=64m', ['noexec', 'nosuid', 'nodev', 'rprivate', 'rw', 'size=64m']],
    ['exec,suid', ['nodev', 'rprivate', 'exec', 'suid']],
    ['ro,rw,size=1m,size=2m', ['noexec', 'nosuid', 'nodev', 'rprivate', 'rw', 'size=2m']],
    ['defaults,shared,mode=700,uid=1000', ['noexec', 'nosuid', 'nodev', 'shared', 'mode=700', 'uid=1000']],
  ];
  for (const [data, want] of cases) it(`"${data}"`, () => assert.deepEqual(parseTmpfsOptions(data), want));
  it('refuses unknown options', () => {
    assert.throws(() => parseTmpfsOptions('size=1m,foo'), { message: 'invalid tmpfs option "foo"' });
    assert.throws(() => mergeTmpfsOptions(['bogus=1']), { message: 'invalid tmpfs option "bogus"' });
  });
});

describe('host facts', () => {
  it('parseProcLimits', () => {
    const text = `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max processes             96365                96365                processes 
Max open files            1024                 20000                files     
Max nice priority         0                    0                    
`;
    assert.deepEqual(parseProcLimits(text), {
      cpu: { soft: Infinity, hard: Infinity }, nproc: { soft: 96365, hard: 96365 }, nofile: { soft: 1024, hard: 20000 }, nice: { soft: 0, hard: 0 },
    });
  });
  it('capsFromMask decodes CapBnd', () => {
    const all = capsFromMask('000001ffffffffff');
    assert.equal(all.length, 41);
    assert.ok(!capsFromMask('000001fffeffffff').includes('CAP_SYS_RESOURCE'));
    assert.deepEqual(capsFromMask('00000000a80425fb').length, 14);
  });
  it('containerEnv: PATH, HOSTNAME, TERM, then replace/append/unset by name', () => {
    assert.deepEqual(containerEnv('h', true, ['PATH=/bin', 'A=1', 'HOSTNAME', 'A=2', 'B=3']),
      ['PATH=/bin', 'TERM=xterm', 'A=1', 'A=2', 'B=3']);
    assert.deepEqual(containerEnv('h', false), ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'HOSTNAME=h']);
  });
});

describe('fuzz: parsers either return or throw a TugError', () => {
  const alphabet = 'abcnofileprocsizemodeuid=:,-0123456789 *\n#';
  const random = (): string => [...randomBytes(1 + (randomBytes(1)[0] % 24))].map((b) => alphabet[b % alphabet.length]).join('');
  const parsers: [string, (s: string) => unknown][] = [
    ['resolveUser', (s) => resolveUser(s, PASSWD + s, GROUP + s, [s])],
    ['parseTmpfsOptions', parseTmpfsOptions],
    ['parseProcLimits', parseProcLimits],
  ];
  for (const [name, parse] of parsers) {
    it(name, () => {
      for (let i = 0; i < 2000; i++) {
        const input = random();
        try {
          parse(input);
        } catch (e) {
          assert.ok(e instanceof TugError, `${name}(${JSON.stringify(input)}) threw ${String(e)}`);
        }
      }
    });
  }
});
