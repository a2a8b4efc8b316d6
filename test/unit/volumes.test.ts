// The volume service's pure parts (names, filters, local driver options, --volumes-from specs)
// and its stores and mount-point resolution on a temporary data-root.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isTugError } from '../../src/errors.js';
import { COPY_MARKER, copyImageContent, resolveInRoot } from '../../src/volumes/copyup.js';
import { checkListFilters, checkPruneFilters, listMatches, pruneMatches } from '../../src/volumes/filters.js';
import { parseMountOptions, validateOptions } from '../../src/volumes/local.js';
import { parseVolumesFrom, resolveMountPoints } from '../../src/volumes/mountpoints.js';
import { checkVolumeName } from '../../src/volumes/names.js';
import { VolumeService } from '../../src/volumes/service.js';
import { VolumeStore } from '../../src/volumes/store.js';
import { ANONYMOUS_LABEL, type MountPointRecord, type VolumeRecord } from '../../src/volumes/types.js';

const tmp = mkdtempSync('/tmp/tug-volumes-unit-');
after(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const freshRoot = () => join(tmp, `root${n++}`);

const vol = (name: string, labels: Record<string, string> | null = null): VolumeRecord => ({ Name: name, Driver: 'local', CreatedAt: '2026-01-01T00:00:00Z', Labels: labels, Options: null });

describe('volume names', () => {
  it('accepts the local driver’s names and refuses others with dockerd’s text', () => {
    for (const ok of ['ab', 'my-vol_1.x', '0a']) checkVolumeName(ok);
    for (const bad of ['a', '-ab', '.ab', 'a b', 'a/b', 'ä1', '']) {
      assert.throws(() => checkVolumeName(bad), (err: unknown) => isTugError(err, 'InvalidParameter') &&
        err.message === `"${bad}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
    }
  });
});

describe('volume filters', () => {
  it('refuses unknown keys and bad booleans', () => {
    assert.throws(() => checkListFilters({ until: ['1h'] }), { message: "invalid filter 'until'" });
    assert.throws(() => checkListFilters({ dangling: ['maybe'] }), { message: "invalid filter 'dangling=maybe'" });
    assert.throws(() => checkPruneFilters({ name: ['x'] }), { message: "invalid filter 'name'" });
    checkListFilters({ dangling: ['1'], label: ['a'], name: ['x'], driver: ['local'] });
  });
  it('lists by dangling, name (a pattern), driver and label', () => {
    const v = vol('data-1', { env: 'prod', tier: '' });
    assert.ok(listMatches(v, false, { dangling: ['true'] }));
    assert.ok(!listMatches(v, true, { dangling: ['true'] }));
    assert.ok(listMatches(v, true, { dangling: ['false'] }));
    assert.ok(listMatches(v, false, { name: ['data'] }) && listMatches(v, false, { name: ['^data-[0-9]$'] }));
    assert.ok(!listMatches(v, false, { name: ['other'] }));
    assert.ok(listMatches(v, false, { label: ['env=prod', 'tier'] }));
    assert.ok(!listMatches(v, false, { label: ['env=dev'] }));
    assert.ok(!listMatches(v, false, { driver: ['nfs'] }));
  });
  it('prunes anonymous volumes only, unless all=true', () => {
    const anon = vol('a'.repeat(64), { [ANONYMOUS_LABEL]: '' });
    const named = vol('named', { keep: 'yes' });
    assert.ok(pruneMatches(anon, {}) && !pruneMatches(named, {}));
    assert.ok(pruneMatches(named, { all: ['true'] }));
    assert.ok(!pruneMatches(named, { all: ['1'], 'label!': ['keep'] }));
    assert.ok(pruneMatches(named, { all: ['1'], label: ['keep=yes'] }));
  });
});

describe('local driver options', () => {
  it('refuses unknown keys and incomplete sets, as dockerd’s local driver', () => {
    assert.throws(() => validateOptions({ foo: 'bar' }), { message: 'invalid option key: "foo"' });
    assert.throws(() => validateOptions({ device: '/dev/sda1' }), { message: 'missing required option: "type"' });
    assert.throws(() => validateOptions({ type: 'tmpfs' }), { message: 'missing required option: "device"' });
    assert.throws(() => validateOptions({ size: '1g' }), { message: 'quota size requested but no quota support' });
    validateOptions({ type: 'tmpfs', device: 'tmpfs', o: 'size=10m' });
  });
  it('splits o= into mount flags and filesystem data', () => {
    assert.deepEqual(parseMountOptions('size=10m,uid=1000'), { flags: 0, data: 'size=10m,uid=1000' });
    assert.deepEqual(parseMountOptions('ro,nosuid,size=1m'), { flags: 1 | 2, data: 'size=1m' });
    assert.deepEqual(parseMountOptions('bind,ro,rw'), { flags: 4096, data: '' });
    assert.deepEqual(parseMountOptions('rbind'), { flags: 4096 | 16384, data: '' });
  });
});

describe('--volumes-from', () => {
  it('takes NAME[:ro|rw] and refuses propagation and other modes', () => {
    assert.deepEqual(parseVolumesFrom('web'), { name: 'web', mode: '' });
    assert.deepEqual(parseVolumesFrom('web:ro'), { name: 'web', mode: 'ro' });
    assert.throws(() => parseVolumesFrom(''), { message: 'volume-from specification cannot be an empty string' });
    assert.throws(() => parseVolumesFrom('web:rshared'), { message: 'invalid argument "rshared": propagation mode not allowed' });
    assert.throws(() => parseVolumesFrom('web:xx'), { message: 'invalid mode: xx' });
    assert.throws(() => parseVolumesFrom('a:b:c'), { message: "invalid volume specification: 'a:b:c'" });
  });
});

describe('paths inside a rootfs', () => {
  it('follows symlinks without leaving the root', async () => {
    const root = join(tmp, 'rootfs');
    mkdirSync(join(root, 'real/dir'), { recursive: true });
    symlinkSync('/real', join(root, 'abs'));
    symlinkSync('../../../../..', join(root, 'real/up'));
    symlinkSync('/etc', join(root, 'hostetc'));
    assert.equal(await resolveInRoot(root, '/abs/dir'), join(root, 'real/dir'));
    assert.equal(await resolveInRoot(root, '/real/up/real'), join(root, 'real'));
    assert.equal(await resolveInRoot(root, '/hostetc/passwd'), join(root, 'etc/passwd'));
    assert.equal(await resolveInRoot(root, '/../../missing/x'), join(root, 'missing/x'));
  });
});

describe('volume store and service', () => {
  it('clears a directory whose record a crash never wrote, and keeps whole ones', async () => {
    const root = freshRoot();
    const s1 = new VolumeService(new VolumeStore(root));
    await s1.init();
    await s1.create({ Name: 'kept', Labels: { a: 'b' } });
    mkdirSync(join(root, 'halfmade/_data'), { recursive: true });
    writeFileSync(join(root, 'badjson'), '');
    const store = new VolumeStore(root);
    const orphans = await store.init();
    assert.deepEqual(orphans.sort(), ['badjson', 'halfmade']);
    assert.ok(!existsSync(join(root, 'halfmade')));
    assert.deepEqual(store.find('kept')?.Labels, { a: 'b' });
  });
  it('creates once, refuses removal while used (even forced), prefixes errors as dockerd', async () => {
    const s = new VolumeService(new VolumeStore(freshRoot()));
    await s.init();
    const a = await s.create({ Name: 'data' });
    const b = await s.create({ Name: 'data', Labels: { ignored: '1' } });
    assert.equal(a.CreatedAt, b.CreatedAt);
    assert.equal(b.Labels, null);
    await assert.rejects(s.create({ Name: 'x y' }), { message: /^create x y: "x y" includes invalid characters/ });
    await assert.rejects(s.create({ Name: 'v2', Driver: 'nfs' }), (err: unknown) => isTugError(err, 'NotFound') && err.message === 'create v2: error looking up volume plugin nfs: plugin "nfs" not found');
    await assert.rejects(s.create({ Name: 'v3', DriverOpts: { nope: '1' } }), { message: 'create v3: invalid option key: "nope"' });
    s.users = { containers: (name) => (name === 'data' ? ['c1'] : []), running: () => [] };
    await assert.rejects(s.remove('data', true), (err: unknown) => isTugError(err, 'Conflict') && err.message === 'remove data: volume is in use - [c1]');
    await assert.rejects(s.remove('nosuch'), (err: unknown) => isTugError(err, 'NotFound') && err.message === 'get nosuch: no such volume');
    await s.remove('nosuch', true);
    s.users = { containers: () => [], running: () => [] };
    await s.remove('data');
    assert.throws(() => s.get('data'), { message: 'get data: no such volume' });
  });
});

describe('mount points at create', () => {
  const hostDir = join(tmp, 'hostdir');
  mkdirSync(hostDir, { recursive: true });
  const setup = async (others: Record<string, MountPointRecord[]> = {}) => {
    const volumes = new VolumeService(new VolumeStore(freshRoot()));
    await volumes.init();
    return { volumes, containerMounts: (ref: string) => { if (!others[ref]) throw new Error(`No such container: ${ref}`); return others[ref]!; } };
  };
  it('resolves binds, named, anonymous and tmpfs mounts with Docker’s modes and propagation', async () => {
    const src = await setup();
    const mps = await resolveMountPoints({
      Binds: [`${hostDir}:/h:ro`, 'named:/data', `${hostDir}/new:/n`],
      Mounts: [{ Type: 'tmpfs', Target: '/t' }, { Type: 'volume', Target: '/anon2' }],
      Tmpfs: { '/run': '' },
    }, ['/data', '/img', '/run'], src);
    assert.deepEqual(Object.keys(mps), ['/anon2', '/data', '/h', '/img', '/n', '/t']);
    assert.deepEqual(mps['/h'], { Type: 'bind', Source: hostDir, Destination: '/h', Mode: 'ro', RW: false, Propagation: 'rprivate' });
    assert.equal(mps['/data']!.Name, 'named');
    assert.equal(mps['/data']!.Mode, 'z');
    assert.equal(mps['/data']!.CopyData, true);
    assert.match(mps['/img']!.Name!, /^[0-9a-f]{64}$/);
    assert.equal(mps['/img']!.Mode, '');
    assert.ok(src.volumes.isAnonymous(mps['/img']!.Name!) && src.volumes.isAnonymous(mps['/anon2']!.Name!));
    assert.ok(!src.volumes.isAnonymous('named'));
    assert.equal(mps['/t']!.Type, 'tmpfs');
  });
  it('refuses a missing --mount bind source and duplicate destinations, and drops the anonymous volumes it made', async () => {
    const src = await setup();
    await assert.rejects(resolveMountPoints({ Mounts: [{ Type: 'bind', Source: '/no/such/dir', Target: '/x' }] }, [], src),
      { message: 'invalid mount config for type "bind": bind source path does not exist: /no/such/dir' });
    await assert.rejects(resolveMountPoints({ Binds: ['a1:/x'], Mounts: [{ Type: 'volume', Target: '/x' }] }, [], src), { message: 'Duplicate mount point: /x' });
    await assert.rejects(resolveMountPoints({ Mounts: [{ Type: 'volume', Target: '/y' }, { Type: 'bind', Source: '/no/such', Target: '/z' }] }, [], src));
    assert.deepEqual(src.volumes.list({}).Volumes.map((v) => v.Name), ['a1']);
  });
  it('copies another container’s mount points for --volumes-from, read-only with :ro', async () => {
    const theirs: MountPointRecord = { Type: 'volume', Name: 'shared', Source: '/v/shared/_data', Destination: '/s', Driver: 'local', Mode: 'z', RW: true, Propagation: '', CopyData: true };
    const src = await setup({ donor: [theirs] });
    const rw = await resolveMountPoints({ VolumesFrom: ['donor'] }, [], src);
    assert.equal(rw['/s']!.RW, true);
    const ro = await resolveMountPoints({ VolumesFrom: ['donor:ro'] }, [], src);
    assert.equal(ro['/s']!.RW, false);
    assert.equal(ro['/s']!.Mode, '');
    assert.equal(ro['/s']!.CopyData, false);
    await assert.rejects(resolveMountPoints({ VolumesFrom: ['nobody'] }, [], src), { message: 'No such container: nobody' });
  });
});

describe('concurrent creates', () => {
  it('of one name make one volume', async () => {
    const s = new VolumeService(new VolumeStore(freshRoot()));
    await s.init();
    const made = await Promise.all(Array.from({ length: 8 }, () => s.ensure('racy')));
    assert.equal(new Set(made).size, 1);
    assert.equal(s.list({}).Volumes.length, 1);
  });
});

describe('first-use copy-up', () => {
  it('fills an empty volume, leaves a used one, and redoes a copy a crash cut short', async () => {
    const rootfs = join(tmp, 'copy-rootfs');
    mkdirSync(join(rootfs, 'srv/sub'), { recursive: true, mode: 0o750 });
    writeFileSync(join(rootfs, 'srv/sub/a'), 'a');
    const vol = join(tmp, 'copy-vol');
    mkdirSync(join(vol, '_data'), { recursive: true });
    assert.equal(await copyImageContent(rootfs, '/srv', join(vol, '_data')), true);
    assert.deepEqual(readdirSync(join(vol, '_data/sub')), ['a']);
    assert.equal(statSync(join(vol, '_data')).mode & 0o777, 0o750);
    assert.ok(!existsSync(join(vol, COPY_MARKER)));
    writeFileSync(join(vol, '_data/mine'), 'user data');
    assert.equal(await copyImageContent(rootfs, '/srv', join(vol, '_data')), false);
    assert.ok(existsSync(join(vol, '_data/mine')));
    writeFileSync(join(vol, COPY_MARKER), '');
    assert.equal(await copyImageContent(rootfs, '/srv', join(vol, '_data')), true);
    assert.deepEqual(readdirSync(join(vol, '_data')), ['sub']);
    assert.equal(await copyImageContent(rootfs, '/nothing/here', join(vol, '_data')), false);
  });
});
