// `tug cp`'s path rules (docker/cli's cp.go and moby's archive copy logic) as tables, and the
// client-side tar work on real temporary directories: what a copy leaves where.
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, symlinkSync, linkSync, writeFileSync, utimesSync, chmodSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import tar from 'tar-stream';
import {
  CopyError, getRebaseName, goBase, goDir, goJoin, isDirMode, isSymlinkMode, outputPathModeError, prepareArchiveCopy,
  preserveTrailingDotOrSeparator, rebaseEntryName, resolveLocalPath, splitCpArg, splitPathDirEntry, type CopyInfo,
} from '../../src/cli/commands/containers/cp-paths.js';
import { copyInfoDestinationPath, copyInfoSourcePath, tarResource, untar, validateOutputPath } from '../../src/cli/commands/containers/cp-archive.js';
import { decodePathStat } from '../../src/client/containers.js';

describe('cp arguments and Go paths', () => {
  it('splits CONTAINER:PATH, keeping "./a:b" and "/a:b" local', () => {
    assert.deepEqual(splitCpArg('web:/etc/passwd'), { container: 'web', path: '/etc/passwd' });
    assert.deepEqual(splitCpArg('web:rel'), { container: 'web', path: 'rel' });
    assert.deepEqual(splitCpArg('/a:b'), { container: '', path: '/a:b' });
    assert.deepEqual(splitCpArg('./a:b'), { container: '', path: './a:b' });
    assert.deepEqual(splitCpArg('file'), { container: '', path: 'file' });
    assert.deepEqual(splitCpArg('-'), { container: '', path: '-' });
  });

  it('Base, Dir and Join as Go\'s filepath has them', () => {
    assert.deepEqual(['', '/', '/a/b/', 'a', '/a/.'].map(goBase), ['.', '/', 'b', 'a', '.']);
    assert.deepEqual(['', '/', '/a', 'a', '/a/b/', 'a/b'].map(goDir), ['.', '/', '/', '.', '/a/b', 'a']);
    assert.equal(goJoin('/a', '../b', 'c/'), '/b/c');
    assert.equal(goJoin('', ''), '');
  });

  it('keeps the trailing "/." or "/" that cleaning drops', () => {
    assert.equal(preserveTrailingDotOrSeparator('/a/b', '/a/b/.'), '/a/b/.');
    assert.equal(preserveTrailingDotOrSeparator('/a/b', 'b/'), '/a/b/');
    assert.equal(preserveTrailingDotOrSeparator('/', '/.'), '/.');
    assert.equal(preserveTrailingDotOrSeparator('/a', '/a'), '/a');
    assert.equal(resolveLocalPath('d/.', '/work'), '/work/d/.');
    assert.equal(resolveLocalPath('../x/', '/work/y'), '/work/x/');
    assert.equal(resolveLocalPath('/abs', '/work'), '/abs');
  });

  it('splits a path into parent and entry, keeping "."', () => {
    assert.deepEqual(splitPathDirEntry('/a/b/.'), ['/a/b', '.']);
    assert.deepEqual(splitPathDirEntry('/a/b/'), ['/a', 'b']);
    assert.deepEqual(splitPathDirEntry('/a'), ['/', 'a']);
    assert.deepEqual(splitPathDirEntry('/'), ['/', '/']);
  });

  it('renames to the name the user gave after a symlink was followed', () => {
    assert.deepEqual(getRebaseName('/a/link', '/a/target'), ['/a/target', 'link']);
    assert.deepEqual(getRebaseName('/a/link/', '/a/target'), ['/a/target/', 'link']);
    assert.deepEqual(getRebaseName('/a/link/.', '/a/target'), ['/a/target/.', '']);
    assert.deepEqual(getRebaseName('/a/same', '/b/same'), ['/b/same', '']);
  });

  it('rebases the first occurrence of the old base, the root as ""', () => {
    assert.equal(rebaseEntryName('d/sub/d', 'd', 'new'), 'new/sub/d');
    assert.equal(rebaseEntryName('./x', '.', 'new'), 'new/x');
    assert.equal(rebaseEntryName('etc/passwd', '/', 'r'), 'retc/passwd');
    assert.equal(rebaseEntryName('a', 'a', '$&$1'), '$&$1');
  });

  it('decodes Go file modes from the path-stat header', () => {
    const stat = decodePathStat(Buffer.from(JSON.stringify({ name: 'etc', size: 4096, mode: 2147484141, mtime: '2024-01-01T00:00:00Z', linkTarget: '' })).toString('base64'));
    assert.equal(stat.name, 'etc');
    assert.ok(isDirMode(stat.mode) && !isSymlinkMode(stat.mode));
    assert.ok(isSymlinkMode(2 ** 27 + 0o777) && !isDirMode(2 ** 27 + 0o777));
    assert.equal(outputPathModeError(2 ** 26 + 2 ** 21 + 0o666), 'got a device');
    assert.equal(outputPathModeError(2 ** 19), 'got an irregular file');
    assert.equal(outputPathModeError(0o644), undefined);
    assert.throws(() => decodePathStat('not base64 json'), { message: /^unable to decode container path stat header: / });
  });
});

describe('PrepareArchiveCopy', () => {
  const info = (path: string, exists: boolean, isDir: boolean, rebaseName = ''): CopyInfo => ({ path, exists, isDir, rebaseName });
  const cases: [string, CopyInfo, CopyInfo, string | { dstDir: string; rebase?: [string, string] }][] = [
    ['dir into an existing dir', info('/s/d', true, true), info('/x/dir', true, true), { dstDir: '/x/dir' }],
    ['file into an existing dir', info('/s/f', true, false), info('/x/dir', true, true), { dstDir: '/x/dir' }],
    ['dir over a file', info('/s/d', true, true), info('/x/file', true, false), 'cannot copy directory'],
    ['file over a file: renamed', info('/s/f', true, false), info('/x/file', true, false), { dstDir: '/x', rebase: ['f', 'file'] }],
    ['dir to a new name', info('/s/d', true, true), info('/x/new', false, false), { dstDir: '/x', rebase: ['d', 'new'] }],
    ['dir contents to a new name', info('/s/d/.', true, true), info('/x/new', false, false), { dstDir: '/x', rebase: ['.', 'new'] }],
    ['file to a new name', info('/s/f', true, false), info('/x/new', false, false), { dstDir: '/x', rebase: ['f', 'new'] }],
    ['file to a missing dir', info('/s/f', true, false), info('/x/new/', false, false), 'no such directory'],
    ['file to a missing dir/.', info('/s/f', true, false), info('/x/new/.', false, false), 'no such directory'],
    ['dir to a missing dir/', info('/s/d', true, true), info('/x/new/', false, false), { dstDir: '/x', rebase: ['d', 'new'] }],
    ['followed link keeps its name', info('/s/target', true, false, 'link'), info('/x/new', false, false), { dstDir: '/x', rebase: ['link', 'new'] }],
  ];
  for (const [name, src, dst, want] of cases) {
    it(name, () => {
      if (typeof want === 'string') assert.throws(() => prepareArchiveCopy(src, dst), (err: unknown) => err instanceof CopyError && err.message === want);
      else assert.deepEqual(prepareArchiveCopy(src, dst), want);
    });
  }
});

describe('local tars and untars', () => {
  let root: string;
  before(() => {
    root = mkdtempSync('/tmp/tug-cp-test-');
    mkdirSync(join(root, 'src/d/sub'), { recursive: true });
    writeFileSync(join(root, 'src/d/a'), 'a\n');
    writeFileSync(join(root, 'src/d/sub/b'), 'b\n');
    chmodSync(join(root, 'src/d/sub/b'), 0o4755);
    linkSync(join(root, 'src/d/a'), join(root, 'src/d/hard'));
    symlinkSync('a', join(root, 'src/d/sym'));
    symlinkSync('d', join(root, 'src/dlink'));
    writeFileSync(join(root, `src/d/${'x'.repeat(120)}`), 'long\n');
    utimesSync(join(root, 'src/d/a'), new Date('2020-01-02T03:04:05Z'), new Date('2020-01-02T03:04:05Z'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  async function entries(src: CopyInfo, rename = (n: string) => n): Promise<string[]> {
    const names: string[] = [];
    const extract = tar.extract();
    const done = (async () => {
      for await (const e of extract) {
        names.push(`${e.header.type} ${e.header.name}${e.header.linkname ? ` -> ${e.header.linkname}` : ''}`);
        e.resume();
      }
    })();
    tarResource(src, rename).pipe(extract as unknown as NodeJS.WritableStream);
    await done;
    return names;
  }

  function tree(dir: string): string[] {
    const out: string[] = [];
    const walk = (rel: string) => {
      for (const n of readdirSync(join(dir, rel)).sort()) {
        const p = rel ? `${rel}/${n}` : n;
        const st = lstatSync(join(dir, p));
        if (st.isDirectory()) {
          out.push(`${p}/`);
          walk(p);
        } else if (st.isSymbolicLink()) out.push(`${p} -> ${readlinkSync(join(dir, p))}`);
        else out.push(`${p} ${(st.mode & 0o7777).toString(8)} ${readFileSync(join(dir, p), 'utf8').trim()}`);
      }
    };
    walk('');
    return out;
  }

  it('names entries after the source, "./…" for a trailing "/.", with hard links and sorted', async () => {
    const long = 'x'.repeat(120);
    assert.deepEqual(await entries(copyInfoSourcePath(join(root, 'src/d'), false)), [
      'directory d/', 'file d/a', 'link d/hard -> d/a', 'directory d/sub/', 'file d/sub/b', 'symlink d/sym -> a', `file d/${long}`,
    ]);
    assert.deepEqual((await entries(copyInfoSourcePath(`${root}/src/d/.`, false))).slice(0, 2), ['directory ./', 'file ./a']);
    assert.deepEqual(await entries(copyInfoSourcePath(join(root, 'src/dlink'), false)), ['symlink dlink -> d']);
    // -L, or a trailing slash, archives the target under the link's name.
    assert.deepEqual((await entries(copyInfoSourcePath(join(root, 'src/dlink'), true))).slice(0, 2), ['directory dlink/', 'file dlink/a']);
    assert.deepEqual((await entries(copyInfoSourcePath(`${root}/src/dlink/`, false))).slice(0, 2), ['directory dlink/', 'file dlink/a']);
    const renamed = await entries(copyInfoSourcePath(join(root, 'src/d'), false), (n) => rebaseEntryName(n, 'd', 'new'));
    assert.ok(renamed.includes('link new/hard -> new/a'));
  });

  it('refuses a source that is not there, with Go\'s lstat text', () => {
    assert.throws(() => copyInfoSourcePath(join(root, 'src/nope/x'), false), { message: `lstat ${root}/src/nope: no such file or directory` });
    assert.throws(() => copyInfoSourcePath(join(root, 'src/nope'), false), { message: `lstat ${root}/src/nope: no such file or directory` });
  });

  it('resolves destinations: links followed, a missing path needs a directory parent', () => {
    symlinkSync('src/d', join(root, 'dstlink'));
    assert.deepEqual(copyInfoDestinationPath(join(root, 'dstlink')), { path: join(root, 'src/d'), exists: true, isDir: true, rebaseName: '' });
    assert.deepEqual(copyInfoDestinationPath(join(root, 'fresh')), { path: join(root, 'fresh'), exists: false, isDir: false, rebaseName: '' });
    assert.throws(() => copyInfoDestinationPath(join(root, 'src/d/a/x')), { message: `lstat ${root}/src/d/a/x: not a directory` });
    assert.throws(() => copyInfoDestinationPath(`${root}/nodir/x`), { message: `stat ${root}/nodir: no such file or directory` });
    assert.throws(() => validateOutputPath(join(root, 'nodir/x')), { message: `invalid output path: directory "${root}/nodir" does not exist` });
    assert.throws(() => validateOutputPath('/dev/null'), { message: 'invalid output path: "/dev/null" must be a directory or a regular file: got a device' });
  });

  /** A copy from a "container" (a tar of src) to `dst`, as copyFromContainer does it. */
  async function copyOut(srcRel: string, dst: string, isDir: boolean): Promise<void> {
    const src: CopyInfo = { path: `/ctr/${srcRel}`, exists: true, isDir, rebaseName: '' };
    const archive = tarResource(copyInfoSourcePath(`${root}/src/${srcRel}`, false), (n) => n);
    const prepared = prepareArchiveCopy(src, copyInfoDestinationPath(dst));
    const rebase = prepared.rebase;
    await untar(archive, prepared.dstDir, rebase ? (n) => rebaseEntryName(n, rebase[0], rebase[1]) : undefined);
  }

  it('copies a directory into a directory, to a new name, and its contents with "/."', async () => {
    const out = join(root, 'out1');
    mkdirSync(join(out, 'exdir'), { recursive: true });
    await copyOut('d', join(out, 'exdir'), true);
    await copyOut('d', join(out, 'new'), true);
    await copyOut('d/.', join(out, 'dot'), true);
    const t = tree(out);
    assert.ok(t.includes('exdir/d/sub/b 4755 b'), t.join('\n'));
    assert.ok(t.includes('new/a 644 a') && t.includes('new/sym -> a') && t.includes('dot/sub/'), t.join('\n'));
    assert.equal(statSync(join(out, 'new/a')).ino, statSync(join(out, 'new/hard')).ino);
    assert.equal(statSync(join(out, 'new/a')).mtime.toISOString(), '2020-01-02T03:04:05.000Z');
  });

  it('a file replaces a file under the destination\'s name; a directory never replaces a file', async () => {
    const out = join(root, 'out2');
    mkdirSync(out);
    writeFileSync(join(out, 'exfile'), 'old\n');
    await copyOut('d/a', join(out, 'exfile'), false);
    assert.equal(readFileSync(join(out, 'exfile'), 'utf8'), 'a\n');
    await assert.rejects(copyOut('d', join(out, 'exfile'), true), { message: 'cannot copy directory' });
    await assert.rejects(copyOut('d/a', join(out, 'missing/'), false), { message: 'no such directory' });
  });

  it('refuses to put a file where a directory is, and entries that climb out', async () => {
    const out = join(root, 'out3');
    mkdirSync(join(out, 'a'), { recursive: true });
    const pack = tar.pack();
    pack.entry({ name: 'a', type: 'file', size: 1 }, 'x');
    pack.finalize();
    await assert.rejects(untar(Readable.from(pack), out), { message: `cannot overwrite directory "${out}/a" with non-directory "${out}"` });
    const evil = tar.pack();
    evil.entry({ name: '../escape', type: 'file', size: 1 }, 'x');
    evil.finalize();
    await assert.rejects(untar(Readable.from(evil), out), { message: `"../escape" is outside of "${out}"` });
    const link = tar.pack();
    link.entry({ name: 'l', type: 'link', linkname: '../../etc/passwd' });
    link.finalize();
    await assert.rejects(untar(Readable.from(link), out), { message: /^invalid hardlink / });
  });
});
