// The container filesystem's pure parts and its tar handling on plain directories: chroot-like
// path resolution, Go file modes, docker cp's extraction (hostile archives refused, nothing
// written outside), overlay changes from an upper dir, and the commit config merge.
import assert from 'node:assert/strict';
import { chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { isTugError } from '../../src/errors.js';
import { ChangeKind, mountPointPaths, overlayChanges } from '../../src/containers/fs/changes.js';
import { commitRunConfig, mergeCommitConfig, runConfigOf } from '../../src/containers/fs/commit.js';
import { absContainerPath, goFileMode, resolveIn, resolveInRoot, resolvePath, RootfsView } from '../../src/containers/fs/paths.js';
import { extractArchive } from '../../src/storage/apply.js';
import { tarPath } from '../../src/storage/tardir.js';
import { lsetxattr, mknod } from '../../src/sys/libc.js';
import tar from 'tar-stream';
import { collect, tarOf, type TarEntry } from '../helpers/tar.js';

const root = mkdtempSync('/tmp/tug-cfs-test-');
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = (): string => {
  const d = join(root, `d${counter++}`);
  mkdirSync(d);
  return d;
};

const extract = async (entries: TarEntry[], dest: string, opts = {}) => extractArchive(Readable.from([await tarOf(entries)]), dest, opts);

async function refused(entries: TarEntry[], dest: string, message: RegExp, opts = {}): Promise<void> {
  await assert.rejects(extract(entries, dest, opts), (err: unknown) => {
    assert.ok(isTugError(err, 'InvalidParameter'), String(err));
    assert.match((err as Error).message, message);
    return true;
  });
}

async function names(stream: Readable): Promise<string[]> {
  const out: string[] = [];
  const ex = tar.extract();
  const done = (async () => {
    for await (const e of ex) {
      out.push(e.header.name);
      e.resume();
    }
  })();
  Readable.from([await collect(stream)]).pipe(ex);
  await done;
  return out;
}

describe('container paths', () => {
  it('resolves symlinks inside the root, never out of it', () => {
    const r = fresh();
    mkdirSync(join(r, 'usr/lib'), { recursive: true });
    symlinkSync('/usr/lib', join(r, 'abs'));
    symlinkSync('../../../../usr', join(r, 'climb'));
    symlinkSync('abs', join(r, 'chain'));
    const table: [string, boolean, string][] = [
      ['/abs/x', true, 'usr/lib/x'],
      ['/climb/lib', true, 'usr/lib'],
      ['/chain', true, 'usr/lib'],
      ['/chain', false, 'chain'],
      ['/../../etc/passwd', true, 'etc/passwd'],
      ['/missing/x', true, 'missing/x'],
    ];
    for (const [path, follow, want] of table) assert.equal(resolveInRoot(r, path, follow), join(r, want), path);
  });

  it('keeps a trailing "/." or "/" as moby does, and resolves only the directory part', () => {
    assert.equal(absContainerPath('etc/'), '/etc/');
    assert.equal(absContainerPath('/etc/.'), '/etc/.');
    assert.equal(absContainerPath('a/../b'), '/b');
    const r = fresh();
    mkdirSync(join(r, 'real'));
    symlinkSync('real', join(r, 'link'));
    assert.equal(resolvePath(r, '/link').resolved, `${r}/link`);
    assert.equal(resolvePath(r, '/link/').resolved, `${r}/real/`);
  });

  it('maps paths under bind mounts to their sources, symlinks read as container paths', () => {
    const r = fresh();
    const src = fresh();
    mkdirSync(join(src, 'sub'));
    symlinkSync('/data/sub', join(src, 'abs'));
    const view = new RootfsView(r, [{ destination: '/data', source: src, readOnly: false }, { destination: '/data/inner', source: '/nowhere', readOnly: true }]);
    assert.deepEqual(resolveIn(view, '/data/abs/x', true), { parts: ['data', 'sub', 'x'], host: join(src, 'sub/x') });
    assert.equal(resolveIn(view, '/data/inner/y', true).host, '/nowhere/y');
    assert.equal(resolveIn(view, '/datax', true).host, join(r, 'datax'));
    assert.equal(resolvePath(view, '/data').resolved, src);
    assert.equal(view.mountOf(['data', 'inner'])?.mount.readOnly, true);
    assert.equal(view.mountOf(['etc']), undefined);
  });

  it('reports Go file modes', () => {
    const r = fresh();
    writeFileSync(join(r, 'f'), '');
    symlinkSync('f', join(r, 'l'));
    assert.equal(goFileMode(lstatSync(r)), 2 ** 31 + (lstatSync(r).mode & 0o777));
    assert.equal(goFileMode(lstatSync(join(r, 'l'))), 2 ** 27 + 0o777);
    assert.equal(goFileMode(lstatSync('/dev/null')), 2 ** 26 + 2 ** 21 + 0o666);
    assert.equal(goFileMode(lstatSync('/tmp')) - 2 ** 31, 2 ** 20 + 0o777);
  });

  it('names a tar of a path after the name asked for', async () => {
    const r = fresh();
    mkdirSync(join(r, 'dir/sub'), { recursive: true });
    writeFileSync(join(r, 'dir/sub/f'), 'x');
    assert.deepEqual(await names(tarPath(join(r, 'dir'), 'renamed')), ['renamed/', 'renamed/sub/', 'renamed/sub/f']);
    assert.deepEqual(await names(tarPath(join(r, 'dir'), '.')), ['./', './sub/', './sub/f']);
    assert.deepEqual(await names(tarPath(join(r, 'dir/sub/f'), 'f')), ['f']);
  });
});

describe('docker cp extraction', () => {
  it('writes files, directories and symlinks into an existing tree', async () => {
    const d = fresh();
    writeFileSync(join(d, 'old'), 'old');
    await extract([{ name: 'a/', type: 'directory', mode: 0o750 }, { name: 'a/f', body: 'hi', uid: 12, gid: 34 }, { name: 'a/l', type: 'symlink', linkname: '/etc/passwd' }, { name: '.wh.x', body: 'kept as a name' }], d);
    assert.equal(readFileSync(join(d, 'a/f'), 'utf8'), 'hi');
    assert.equal(lstatSync(join(d, 'a/f')).uid, 12);
    assert.equal(lstatSync(join(d, 'a')).mode & 0o777, 0o750);
    assert.equal(readFileSync(join(d, 'old'), 'utf8'), 'old');
    assert.equal(readFileSync(join(d, '.wh.x'), 'utf8'), 'kept as a name');
  });

  it('chowns every entry to the given owner (copyUIDGID)', async () => {
    const d = fresh();
    await extract([{ name: 'f', body: 'x', uid: 5, gid: 5 }], d, { chown: { uid: 1000, gid: 1001 } });
    assert.deepEqual([lstatSync(join(d, 'f')).uid, lstatSync(join(d, 'f')).gid], [1000, 1001]);
  });

  it('refuses hostile archives and writes nothing outside', async () => {
    const outside = fresh();
    const d = join(outside, 'dest');
    mkdirSync(d);
    await refused([{ name: '../escaped', body: 'x' }], d, /invalid tar entry "..\/escaped": path escapes the destination/);
    await refused([{ name: '/etc/evil', body: 'x' }], d, /invalid tar entry "\/etc\/evil": absolute path/);
    await refused([{ name: 'l', type: 'symlink', linkname: '../../../etc' }], d, /symlink target "..\/..\/..\/etc" points outside the destination/);
    await refused([{ name: 'l', type: 'symlink', linkname: '/etc' }, { name: 'l/passwd', body: 'x' }], d, /"l" is a symlink that points outside the destination/);
    await refused([{ name: 'f', body: 'x' }, { name: 'h', type: 'link', linkname: '../f' }], d, /path escapes the destination/);
    assert.equal(existsSync(join(outside, 'escaped')), false);
    assert.equal(readFileSync('/etc/passwd', 'utf8').includes('\nx'), false);
  });

  it('refuses a symlink already in the tree that leads out', async () => {
    const d = fresh();
    symlinkSync('/', join(d, 'up'));
    await refused([{ name: 'up/tmp/x', body: 'x' }], d, /"up" is a symlink that points outside the destination/);
  });

  it('keeps directories and files apart with noOverwriteDirNonDir', async () => {
    const d = fresh();
    mkdirSync(join(d, 'dir'));
    writeFileSync(join(d, 'file'), '');
    await refused([{ name: 'dir', body: 'x' }], d, /cannot overwrite directory "\/dir" with non-directory/, { noOverwriteDirNonDir: true });
    await refused([{ name: 'file/', type: 'directory' }], d, /cannot overwrite non-directory "\/file" with directory/, { noOverwriteDirNonDir: true });
    await extract([{ name: 'dir', body: 'replaced' }], d);
    assert.equal(readFileSync(join(d, 'dir'), 'utf8'), 'replaced');
  });
});

describe('overlay changes', () => {
  it('reports added, changed and deleted paths like docker diff, without runc mount points', () => {
    const lower = fresh();
    const upper = fresh();
    mkdirSync(join(lower, 'etc'));
    mkdirSync(join(lower, 'bin'));
    mkdirSync(join(lower, 'same'));
    mkdirSync(join(lower, 'gone'));
    writeFileSync(join(lower, 'etc/passwd'), 'root');
    writeFileSync(join(lower, 'bin/ls'), '');
    // The upper dir as overlayfs leaves it: copied-up dirs, a whiteout, an opaque dir.
    mkdirSync(join(upper, 'etc'));
    writeFileSync(join(upper, 'etc/passwd'), 'root\nme');
    writeFileSync(join(upper, 'etc/hosts'), '');
    mkdirSync(join(upper, 'bin'));
    mknod(join(upper, 'bin/ls'), 0o020000, 0n);
    mkdirSync(join(upper, 'gone'));
    lsetxattr(join(upper, 'gone'), 'trusted.overlay.opaque', Buffer.from('y'));
    writeFileSync(join(upper, 'gone/new'), '');
    mkdirSync(join(upper, 'same'));
    utimesSync(join(upper, 'same'), 1_700_000_000, 1_700_000_000);
    utimesSync(join(lower, 'same'), 1_700_000_000, 1_700_000_000);
    mkdirSync(join(upper, 'new/d'), { recursive: true });
    chownSync(join(upper, 'new'), 0, 0);
    assert.deepEqual([...mountPointPaths(upper)], ['etc/hosts']);
    assert.deepEqual(overlayChanges(upper, [lower]), [
      { Path: '/bin', Kind: ChangeKind.Modified },
      { Path: '/bin/ls', Kind: ChangeKind.Deleted },
      { Path: '/etc', Kind: ChangeKind.Modified },
      { Path: '/etc/passwd', Kind: ChangeKind.Modified },
      { Path: '/gone', Kind: ChangeKind.Deleted },
      { Path: '/gone/new', Kind: ChangeKind.Added },
      { Path: '/new', Kind: ChangeKind.Added },
      { Path: '/new/d', Kind: ChangeKind.Added },
    ]);
  });

  it('leaves out a directory that only holds runc mount points', () => {
    const lower = fresh();
    const upper = fresh();
    mkdirSync(join(lower, 'etc'));
    mkdirSync(join(upper, 'etc'));
    for (const f of ['hosts', 'hostname', 'resolv.conf']) writeFileSync(join(upper, 'etc', f), '');
    assert.deepEqual(overlayChanges(upper, [lower]), []);
  });
});

describe('commit config', () => {
  const base = runConfigOf({ Env: ['PATH=/bin', 'A=1'], Cmd: ['sh'], Labels: { a: '1' }, WorkingDir: '/w', User: 'u', ExposedPorts: { '80/tcp': {} }, Image: 'busybox', Hostname: 'h' });

  it('keeps the container config where the changes say nothing', () => {
    assert.deepEqual(mergeCommitConfig({}, base), base);
  });

  it('lets the changes win, key by key', () => {
    const merged = mergeCommitConfig({ Env: ['A=2'], Labels: { b: '2' }, Cmd: ['x'], ExposedPorts: { '53/udp': {} } }, base);
    assert.deepEqual(merged.Env, ['A=2', 'PATH=/bin']);
    assert.deepEqual(merged.Labels, { a: '1', b: '2' });
    assert.deepEqual(merged.Cmd, ['x']);
    assert.deepEqual(Object.keys(merged.ExposedPorts ?? {}).sort(), ['53/udp', '80/tcp']);
    assert.equal(merged.WorkingDir, '/w');
  });

  it('applies the changes to the container\'s config when the request sent none, as dockerd does', () => {
    const container = { Env: ['PATH=/bin'], Cmd: ['sleep', '100'], WorkingDir: '/w', Image: 'busybox' };
    const run = commitRunConfig(container, { changes: ['ENV A=1', 'WORKDIR sub'] });
    assert.deepEqual(run.Env, ['PATH=/bin', 'A=1']);
    assert.equal(run.WorkingDir, '/w/sub');
    assert.deepEqual(run.Cmd, ['sleep', '100']);
    assert.deepEqual(commitRunConfig(container, { changes: ['ENTRYPOINT ["/e"]'] }).Cmd, undefined);
  });

  it('applies the changes to the request\'s config when it sent one, then fills in from the container\'s', () => {
    const container = { Env: ['PATH=/bin', 'B=2'], Cmd: ['sleep', '100'], Image: 'busybox' };
    const run = commitRunConfig(container, { config: { Env: ['B=3'] }, changes: ['ENV A=1'] });
    assert.deepEqual(run.Env, ['B=3', 'A=1', 'PATH=/bin']);
    assert.deepEqual(run.Cmd, ['sleep', '100']);
  });

  it('drops the old cmd when a new entrypoint is set, as dockerd does', () => {
    const merged = mergeCommitConfig({ Entrypoint: ['/bin/echo'] }, base);
    assert.deepEqual(merged.Entrypoint, ['/bin/echo']);
    assert.equal(merged.Cmd, undefined);
  });
});
