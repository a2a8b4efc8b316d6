// Layer tars in and out: round trips through tarDirectory → applyLayer (and through GNU tar),
// whiteouts both ways on a real overlay mount, hostile archives that must be refused or
// confined without touching anything outside the layer, and a fuzz run.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import {
  chmodSync, chownSync, existsSync, linkSync, lstatSync, lutimesSync, mkdirSync, mkdtempSync, readFileSync, readdirSync,
  readlinkSync, rmSync, symlinkSync, utimesSync, writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import tar from 'tar-stream';
import { InvalidParameterError } from '../../src/errors.js';
import { applyLayer, cleanEntryPath } from '../../src/storage/apply.js';
import { tarDirectory } from '../../src/storage/tardir.js';
import { devMajor, devMinor, lgetxattr, llistxattr, lsetxattr, makedev, mknod } from '../../src/sys/libc.js';
import { collect, tarOf, type TarEntry } from '../helpers/tar.js';

const root = mkdtempSync('/tmp/tug-apply-test-');
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
const fresh = (): string => {
  const d = join(root, `d${counter++}`);
  mkdirSync(d);
  return d;
};

type Spec = TarEntry;

const apply = (bytes: Buffer, dest: string) => applyLayer(Readable.from([bytes]), dest);
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Everything lstat and the xattrs say about a tree, by relative path (inode numbers as link groups). */
function snapshot(dir: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const inodes = new Map<number, string>();
  const visit = (rel: string) => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const path = rel ? `${rel}/${name}` : name;
      const abs = join(dir, path);
      const st = lstatSync(abs);
      const group = st.nlink > 1 && !st.isDirectory() ? (inodes.get(st.ino) ?? (inodes.set(st.ino, path), path)) : undefined;
      out[path] = {
        mode: st.mode.toString(8), uid: st.uid, gid: st.gid, rdev: st.rdev, mtime: Math.floor(st.mtimeMs / 1000), group,
        size: st.isFile() ? st.size : undefined,
        body: st.isFile() ? sha256(readFileSync(abs)) : undefined,
        link: st.isSymbolicLink() ? readlinkSync(abs) : undefined,
        xattrs: llistxattr(abs).filter((k) => !k.startsWith('trusted.overlay.')).sort().map((k) => `${k}=${lgetxattr(abs, k)?.toString('hex')}`),
      };
      if (st.isDirectory()) visit(path);
    }
  };
  visit('');
  return out;
}

/** A tree with every kind of entry a layer can hold, with fixed times. */
function makeTree(): string {
  const src = fresh();
  const p = (rel: string) => join(src, rel);
  mkdirSync(p('bin'));
  writeFileSync(p('bin/tool'), 'binary');
  chmodSync(p('bin/tool'), 0o4755);
  linkSync(p('bin/tool'), p('bin/alias'));
  symlinkSync('tool', p('bin/link'));
  symlinkSync('/nonexistent/absolute', p('dangling'));
  mkdirSync(p('dev'));
  mknod(p('dev/null'), 0o020666, makedev(1, 3));
  mknod(p('dev/sda'), 0o060660, makedev(8, 0));
  mknod(p('dev/big'), 0o020600, makedev(300, 70000));
  mknod(p('dev/pipe'), 0o010600, 0n);
  mkdirSync(p('tmp'));
  chmodSync(p('tmp'), 0o1777);
  mkdirSync(p('shared'));
  chownSync(p('shared'), 0, 50);
  chmodSync(p('shared'), 0o2775);
  lsetxattr(p('shared'), 'trusted.dir', Buffer.from('d'));
  writeFileSync(p('owned'), 'x');
  chownSync(p('owned'), 1000, 1001);
  writeFileSync(p('bigid'), 'y');
  chownSync(p('bigid'), 3_000_000, 3_000_001); // past ustar's 7 octal digits: PAX uid/gid
  writeFileSync(p('empty'), '');
  writeFileSync(p('big'), randomBytes(300_000));
  lsetxattr(p('bin/tool'), 'user.note', Buffer.from('hi'));
  lsetxattr(p('big'), 'trusted.bin', Buffer.from([0, 0x80, 0xff, 0x20, 0x0a, 0xc3])); // not UTF-8
  const long = `${'a'.repeat(120)}/${'b'.repeat(255)}`;
  mkdirSync(p('a'.repeat(120)));
  writeFileSync(p(long), 'long');
  symlinkSync('c'.repeat(150), p('longlink'));
  writeFileSync(p('old'), 'before 1970');
  // Times last, deepest first, so that nothing written later changes them.
  const files: string[] = [];
  const visit = (rel: string) => {
    for (const name of readdirSync(join(src, rel))) {
      const path = rel ? `${rel}/${name}` : name;
      if (lstatSync(join(src, path)).isDirectory()) visit(path);
      files.push(path);
    }
  };
  visit('');
  files.forEach((f, i) => lutimesSync(p(f), 1_600_000_000 + i, 1_600_000_000 + i));
  utimesSync(p('old'), -86_400, -86_400);
  return src;
}

describe('applyLayer and tarDirectory', () => {
  it('round-trip every kind of entry with modes, owners, times and binary xattrs', async () => {
    const src = makeTree();
    const bytes = await collect(tarDirectory(src));
    const dest = fresh();
    assert.deepEqual(await apply(bytes, dest), { diffID: `sha256:${sha256(bytes)}`, size: bytes.length });
    assert.deepEqual(snapshot(dest), snapshot(src));
    assert.equal(lstatSync(join(dest, 'bin/alias')).ino, lstatSync(join(dest, 'bin/tool')).ino);
    // Deterministic: the same tree gives the same bytes.
    assert.ok((await collect(tarDirectory(dest))).equals(bytes));
  });

  it('write tars GNU tar reads, and read the tars GNU tar writes', async () => {
    const src = makeTree();
    const byGnu = fresh();
    execFileSync('tar', ['--xattrs', '--xattrs-include=*', '--numeric-owner', '-xpf', '-', '-C', byGnu], { input: await collect(tarDirectory(src)) });
    assert.deepEqual(snapshot(byGnu), snapshot(src));
    const gnuTar = execFileSync('tar', ['--xattrs', '--xattrs-include=*', '--format=pax', '--numeric-owner', '-cf', '-', '-C', src, '.'], { maxBuffer: 1 << 26 });
    const dest = fresh();
    await apply(gnuTar, dest);
    assert.deepEqual(snapshot(dest), snapshot(src));
  });

  it('hash every byte, trailing zero records and anything past the end-of-archive blocks too', async () => {
    const bytes = Buffer.concat([await tarOf([{ name: 'f', body: 'x' }]), Buffer.alloc(8192), Buffer.from('trailing junk')]);
    const res = await apply(bytes, fresh());
    assert.deepEqual(res, { diffID: `sha256:${sha256(bytes)}`, size: bytes.length });
  });

  it('turn OCI whiteouts into overlay ones that hide lower files on a real overlay mount, and back', async () => {
    const lower = fresh();
    await apply(await tarOf([{ name: 'etc/motd', body: 'hi' }, { name: 'var/old', body: 'o' }, { name: 'keep', body: 'k' }]), lower);
    const upper = fresh();
    await apply(await tarOf([
      { name: 'etc/', type: 'directory', mode: 0o755 },
      { name: 'etc/.wh.motd', type: 'file', uid: 7, gid: 8 },
      { name: 'var/.wh..wh..opq', type: 'file' }, // no directory entry: made on the way
      { name: 'var/new', body: 'n' },
      { name: '.wh..wh.plnk/', type: 'directory' },
      { name: '.wh..wh.plnk/123.456', body: 'aufs' },
    ]), upper);
    const wh = lstatSync(join(upper, 'etc/motd'));
    assert.ok(wh.isCharacterDevice());
    assert.deepEqual([wh.rdev, wh.uid, wh.gid], [0, 7, 8]);
    assert.equal(lgetxattr(join(upper, 'var'), 'trusted.overlay.opaque')?.toString(), 'y');
    assert.ok(!existsSync(join(upper, '.wh..wh.plnk')));

    const merged = fresh();
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${upper}:${lower}`, merged]);
    try {
      assert.deepEqual(readdirSync(merged).sort(), ['etc', 'keep', 'var']);
      assert.deepEqual(readdirSync(join(merged, 'etc')), []);
      assert.deepEqual(readdirSync(join(merged, 'var')), ['new']);
    } finally {
      execFileSync('umount', [merged]);
    }

    const back = await collect(tarDirectory(upper, { overlayWhiteouts: true }));
    const entries: [string, string, number][] = [];
    const extract = tar.extract();
    const reading = (async () => {
      for await (const e of extract) {
        entries.push([e.header.name, e.header.type, e.header.mode]);
        e.resume();
      }
    })();
    extract.end(back);
    await reading;
    assert.deepEqual(entries, [
      ['etc/', 'directory', 0o755], ['etc/.wh.motd', 'file', 0o600], ['var/', 'directory', 0o755],
      ['var/.wh..wh..opq', 'file', 0o755], ['var/new', 'file', 0o644],
    ]);
    // Without the option, a whiteout is just the device it is on disk.
    assert.ok((await collect(tarDirectory(upper))).includes(Buffer.from('etc/motd\0')));
  });

  it('replace an earlier entry of the same name, and merge a directory over a directory', async () => {
    const dest = fresh();
    await apply(await tarOf([
      { name: 'd/', type: 'directory', mode: 0o700 },
      { name: 'd/inside', body: 'i' },
      { name: 'd/', type: 'directory', mode: 0o750 },
      { name: 'f', type: 'directory' },
      { name: 'f', body: 'file over dir' },
      { name: 'g', body: 'dir over file' },
      { name: 'g/', type: 'directory' },
    ]), dest);
    assert.equal(lstatSync(join(dest, 'd')).mode & 0o7777, 0o750);
    assert.equal(readFileSync(join(dest, 'd/inside'), 'utf8'), 'i');
    assert.equal(readFileSync(join(dest, 'f'), 'utf8'), 'file over dir');
    assert.ok(lstatSync(join(dest, 'g')).isDirectory());
  });

  it('report libc failures as Node reports its own', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'f'), '');
    assert.throws(() => mknod(join(dir, 'f'), 0o010600, 0n), (err: NodeJS.ErrnoException) => {
      assert.equal(err.message, `EEXIST: file already exists, mknod '${join(dir, 'f')}'`);
      assert.deepEqual([err.code, err.syscall, err.path], ['EEXIST', 'mknod', join(dir, 'f')]);
      return true;
    });
    assert.equal(lgetxattr(join(dir, 'f'), 'user.none'), undefined);
    assert.deepEqual(llistxattr(join(dir, 'f')), []);
    assert.throws(() => llistxattr(join(dir, 'missing')), { code: 'ENOENT', syscall: 'llistxattr' });
    assert.equal(makedev(1, 3), BigInt(lstatSync('/dev/null').rdev));
    assert.equal(makedev(300, 70000), 0x11112c70n); // both numbers split across the halves of dev_t
    assert.deepEqual([devMajor(0x11112c70n), devMinor(0x11112c70)], [300, 70000]);
  });

  it('clean entry names', () => {
    assert.equal(cleanEntryPath('./a/b/'), 'a/b');
    assert.equal(cleanEntryPath('/a//b'), 'a/b');
    assert.equal(cleanEntryPath('a/./c/../b'), 'a/b');
    assert.equal(cleanEntryPath('./'), '');
    assert.throws(() => cleanEntryPath('a/../../b'), /invalid tar entry "a\/..\/..\/b": path escapes the layer/);
  });
});

describe('applyLayer with a hostile archive', () => {
  /** A canary directory holding the layer and an outside directory: all of it but the layer must stay as it was. */
  function canary(): { dest: string; outside: string; check: () => void } {
    const dir = fresh();
    const dest = join(dir, 'layer');
    const outside = join(dir, 'outside');
    mkdirSync(dest);
    mkdirSync(join(outside, 'sub'), { recursive: true });
    writeFileSync(join(outside, 'victim'), 'safe');
    utimesSync(join(outside, 'sub'), 1_000_000_000, 1_000_000_000);
    const outsideOnly = () => Object.fromEntries(Object.entries(snapshot(dir)).filter(([k]) => k !== 'layer' && !k.startsWith('layer/')));
    const before = outsideOnly();
    return { dest, outside, check: () => assert.deepEqual(outsideOnly(), before) };
  }

  const refused: [string, (outside: string) => Spec[], RegExp][] = [
    ['a ../ name', () => [{ name: '../x', body: 'x' }], /^invalid tar entry "..\/x": path escapes the layer$/],
    ['a deeper ../ name', () => [{ name: 'a/../../x', body: 'x' }], /^invalid tar entry "a\/..\/..\/x": path escapes the layer$/],
    ['a hardlink to /etc/passwd', () => [{ name: 'hl', type: 'link', linkname: '/etc/passwd' }], /^invalid tar entry "hl": hardlink target "\/etc\/passwd" does not exist in the layer$/],
    ['a hardlink to ../../etc/passwd', () => [{ name: 'hl', type: 'link', linkname: '../../etc/passwd' }], /^invalid tar entry "hl": path escapes the layer$/],
    ['a hardlink to a directory', () => [{ name: 'd/', type: 'directory' }, { name: 'hl', type: 'link', linkname: 'd' }], /hardlink target "d" is a directory/],
    ['a whiteout of ".."', () => [{ name: '.wh...', body: '' }], /^invalid tar entry ".wh...": whiteout of nothing$/],
    ['a whiteout of "."', () => [{ name: 'sub/.wh..', body: '' }], /whiteout of nothing/],
    ['a name longer than PATH_MAX', () => [{ name: 'x/'.repeat(2100), body: '' }], /name too long/],
    ['a component longer than NAME_MAX', () => [{ name: 'n'.repeat(256), body: '' }], /name too long/],
    ['a NUL byte in a PAX path', () => [{ name: 'x', pax: { path: 'a\0b' }, body: '' }], /NUL byte in name/],
    ['a symlink loop', () => [{ name: 'a', type: 'symlink', linkname: 'b' }, { name: 'b', type: 'symlink', linkname: 'a' }, { name: 'a/x', body: '' }], /too many levels of symbolic links/],
    ['a file under a file', () => [{ name: 'f', body: '' }, { name: 'f/x', body: '' }], /^invalid tar entry "f\/x": "f" is not a directory$/],
    ['a PAX record over 1 MiB', () => [{ name: 'f', pax: { comment: 'c'.repeat(2 << 20) }, body: '' }], /PAX record of \d+ bytes/],
  ];
  for (const [title, entries, message] of refused) {
    it(`refuse ${title}`, async () => {
      const { dest, outside, check } = canary();
      await assert.rejects(apply(await tarOf(entries(outside)), dest), (err: unknown) => {
        assert.ok(err instanceof InvalidParameterError, String(err));
        assert.match(err.message, message);
        return true;
      });
      check();
    });
  }

  it('confine an absolute name to the layer', async () => {
    const { dest, check } = canary();
    await apply(await tarOf([{ name: '/etc/absolute', body: 'x' }]), dest);
    assert.equal(readFileSync(join(dest, 'etc/absolute'), 'utf8'), 'x');
    check();
  });

  it('confine writes through a symlink to an absolute path outside', async () => {
    const { dest, outside, check } = canary();
    // An absolute target starts again at the layer root, wherever the symlink is.
    await apply(await tarOf([{ name: 'in/evil', type: 'symlink', linkname: outside }, { name: 'in/evil/pwned', body: 'x' }, { name: 'in/evil/victim', body: 'x' }]), dest);
    assert.equal(readFileSync(join(dest, outside, 'pwned'), 'utf8'), 'x');
    check();
  });

  it('confine writes through a symlink climbing with ..', async () => {
    const { dest, check } = canary();
    await apply(await tarOf([{ name: 'a/evil', type: 'symlink', linkname: '../../..' }, { name: 'a/evil/x', body: 'x' }, { name: 'a/evil/outside/victim', body: 'x' }]), dest);
    assert.equal(readFileSync(join(dest, 'x'), 'utf8'), 'x');
    assert.equal(readFileSync(join(dest, 'outside/victim'), 'utf8'), 'x');
    check();
  });

  it('replace a symlink pointing outside rather than write through it', async () => {
    const { dest, outside, check } = canary();
    await apply(await tarOf([
      { name: 'f', type: 'symlink', linkname: join(outside, 'victim') },
      { name: 'f', body: 'new', mode: 0o600 },
      { name: 'h', type: 'link', linkname: 'f' },
      { name: 'd', type: 'symlink', linkname: join(outside, 'sub') },
      { name: 'd', type: 'directory', mode: 0o700 },
    ]), dest);
    assert.equal(readFileSync(join(dest, 'f'), 'utf8'), 'new');
    assert.ok(lstatSync(join(dest, 'd')).isDirectory());
    check();
  });

  it('drop overlayfs’s own xattrs from an archive, which could forge redirects', async () => {
    const { dest, check } = canary();
    await apply(await tarOf([{ name: 'd/', type: 'directory', pax: { 'SCHILY.xattr.trusted.overlay.redirect': '/etc', 'SCHILY.xattr.user.ok': '1' } }]), dest);
    assert.deepEqual(llistxattr(join(dest, 'd')), ['user.ok']);
    check();
  });

  it('never set a directory time through a symlink that replaced its parent', async () => {
    const { dest, outside, check } = canary();
    await apply(await tarOf([
      { name: 'd/', type: 'directory', mtime: new Date(5_000_000) },
      { name: 'd/sub/', type: 'directory', mtime: new Date(5_000_000) },
      { name: 'd', type: 'symlink', linkname: outside },
    ]), dest);
    assert.equal(readlinkSync(join(dest, 'd')), outside);
    check();
  });

  it('stop at an abort, and pass on the input stream’s own error', async () => {
    const header = (await tarOf([{ name: 'big', body: Buffer.alloc(100_000) }])).subarray(0, 2048);
    const input = new PassThrough();
    input.write(header);
    const ac = new AbortController();
    const pending = applyLayer(input, fresh(), { signal: ac.signal });
    setTimeout(() => ac.abort(), 20);
    await assert.rejects(pending, { name: 'AbortError' });
    await assert.rejects(applyLayer(Readable.from([header]), fresh(), { signal: AbortSignal.abort() }), { name: 'AbortError' });

    const failing = new PassThrough();
    failing.write(header);
    const eio = Object.assign(new Error('read failed'), { code: 'EIO' });
    setTimeout(() => failing.destroy(eio), 20);
    await assert.rejects(applyLayer(failing, fresh()), (err) => err === eio);
  });

  it('only ever reject with an Error on random, truncated or mutated tars, and stay inside (fuzz)', { timeout: 120_000 }, async () => {
    const good = await tarOf([
      { name: 'a/', type: 'directory' }, { name: 'a/b', body: 'hello world' }, { name: 'c', type: 'symlink', linkname: 'a/b' },
      { name: 'l', type: 'link', linkname: 'a/b' }, { name: 'x', pax: { 'SCHILY.xattr.user.k': 'v' }, body: 'x' },
      { name: 's', type: 'symlink', linkname: '../../outside' }, { name: 'a/.wh.b', body: '' }, { name: 'p', type: 'fifo' },
    ]);
    const headers: number[] = [];
    for (let off = 0; off < good.length && good[off] !== 0;) {
      headers.push(off);
      const size = Number.parseInt(good.toString('latin1', off + 124, off + 135), 8);
      off += 512 + Math.ceil(size / 512) * 512;
    }
    let seed = 12345;
    const rand = (n: number) => ((seed = (seed * 1103515245 + 12345) >>> 0) % n);
    for (let i = 0; i < 240; i++) {
      let input: Buffer;
      if (i % 3 === 0) input = Buffer.from(Array.from({ length: rand(3000) }, () => rand(256)));
      else if (i % 3 === 1) input = good.subarray(0, rand(good.length));
      else {
        input = Buffer.from(good);
        const at = headers[rand(headers.length)] as number;
        for (let k = 0; k < 1 + rand(6); k++) input[at + [rand(100), 100 + rand(8), 124 + rand(12), 156, 157 + rand(100)][rand(5)]!] = [0, 0x2f, 0x2e, 0x30 + rand(8), rand(256)][rand(5)]!;
        input.fill(0x20, at + 148, at + 156);
        const sum = input.subarray(at, at + 512).reduce((n, b) => n + b, 0);
        input.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1');
      }
      const { dest, check } = canary();
      try {
        await apply(input, dest);
      } catch (err) {
        assert.ok(err instanceof Error, `not an Error: ${String(err)}`);
      }
      check();
    }
  });
});
