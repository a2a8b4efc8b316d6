// Layer tars in and out: round trips through tarDirectory → applyLayer, whiteouts both ways,
// and hostile entries that must be refused without touching anything outside the layer.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, linkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, it } from 'node:test';
import tar from 'tar-stream';
import { InvalidParameterError } from '../../src/errors.js';
import { applyLayer, cleanEntryPath } from '../../src/storage/apply.js';
import { detectCompression } from '../../src/storage/compression.js';
import { tarDirectory } from '../../src/storage/tardir.js';
import { lgetxattr, lsetxattr, makedev, mknod } from '../../src/sys/libc.js';

const root = mkdtempSync('/tmp/tug-apply-test-');
after(() => rmSync(root, { recursive: true, force: true }));

async function collect(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function tarOf(entries: (Partial<tar.Header> & { name: string; body?: string })[]): Promise<Buffer> {
  const pack = tar.pack();
  for (const e of entries) {
    const { body, ...h } = e;
    pack.entry(h as tar.Header, body ?? '');
  }
  pack.finalize();
  return collect(Readable.from(pack));
}

async function entryNames(bytes: Buffer): Promise<string[]> {
  const extract = tar.extract();
  const names: string[] = [];
  const done = (async () => {
    for await (const e of extract) {
      names.push(e.header.name);
      e.resume();
    }
  })();
  extract.end(bytes);
  await done;
  return names;
}

let n = 0;
function freshDir(): string {
  const d = join(root, `d${n++}`);
  mkdirSync(d);
  return d;
}

describe('applyLayer and tarDirectory', () => {
  it('round-trips files, modes, links, devices, fifos, owners and xattrs', async () => {
    const src = freshDir();
    mkdirSync(join(src, 'bin'));
    writeFileSync(join(src, 'bin', 'tool'), 'binary');
    chmodSync(join(src, 'bin', 'tool'), 0o4755);
    linkSync(join(src, 'bin', 'tool'), join(src, 'bin', 'alias'));
    symlinkSync('tool', join(src, 'bin', 'link'));
    mkdirSync(join(src, 'dev'));
    mknod(join(src, 'dev', 'null'), 0o020666, makedev(1, 3));
    mknod(join(src, 'dev', 'pipe'), 0o010600, 0n);
    mkdirSync(join(src, 'tmp'));
    chmodSync(join(src, 'tmp'), 0o1777);
    writeFileSync(join(src, 'owned'), 'x');
    execChown(join(src, 'owned'), 1000, 1001);
    lsetxattr(join(src, 'bin', 'tool'), 'user.note', Buffer.from('hi'));

    const bytes = await collect(tarDirectory(src));
    const dest = freshDir();
    const res = await applyLayer(Readable.from([bytes]), dest);
    assert.equal(res.diffID, 'sha256:' + createHash('sha256').update(bytes).digest('hex'));
    assert.equal(res.size, bytes.length);
    for (const p of ['bin', 'bin/tool', 'bin/alias', 'bin/link', 'dev/null', 'dev/pipe', 'tmp', 'owned']) {
      const a = lstatSync(join(src, p));
      const b = lstatSync(join(dest, p));
      assert.equal(b.mode, a.mode, p);
      assert.equal(b.uid, a.uid, p);
      assert.equal(b.gid, a.gid, p);
      assert.equal(b.rdev, a.rdev, p);
      if (!a.isDirectory()) assert.equal(Math.floor(b.mtimeMs / 1000), Math.floor(a.mtimeMs / 1000), p);
    }
    assert.equal(lstatSync(join(dest, 'bin', 'alias')).ino, lstatSync(join(dest, 'bin', 'tool')).ino);
    assert.equal(readlinkSync(join(dest, 'bin', 'link')), 'tool');
    assert.equal(lgetxattr(join(dest, 'bin', 'tool'), 'user.note')?.toString(), 'hi');
    // Deterministic: the same tree gives the same bytes.
    assert.deepEqual(await collect(tarDirectory(dest)), await collect(tarDirectory(src)));
  });

  it('turns OCI whiteouts into overlay ones and back', async () => {
    const layer = await tarOf([
      { name: 'etc/', type: 'directory', mode: 0o755 },
      { name: 'etc/.wh.motd', type: 'file' },
      { name: 'var/', type: 'directory', mode: 0o755 },
      { name: 'var/.wh..wh..opq', type: 'file' },
      { name: 'var/keep', type: 'file', body: 'k' },
      { name: '.wh..wh.plnk/', type: 'directory' },
    ]);
    const dest = freshDir();
    await applyLayer(Readable.from([layer]), dest);
    const wh = lstatSync(join(dest, 'etc', 'motd'));
    assert.ok(wh.isCharacterDevice());
    assert.equal(wh.rdev, 0);
    assert.equal(lgetxattr(join(dest, 'var'), 'trusted.overlay.opaque')?.toString(), 'y');
    assert.ok(!existsSync(join(dest, '.wh..wh.plnk')));
    const names = await entryNames(await collect(tarDirectory(dest, { overlayWhiteouts: true })));
    assert.deepEqual(names, ['etc/', 'etc/.wh.motd', 'var/', 'var/.wh..wh..opq', 'var/keep']);
  });

  it('replaces an earlier entry of the same name, and a symlink is replaced rather than followed', async () => {
    const outside = freshDir();
    writeFileSync(join(outside, 'victim'), 'safe');
    const dest = freshDir();
    await applyLayer(Readable.from([await tarOf([
      { name: 'f', type: 'symlink', linkname: join(outside, 'victim') },
      { name: 'f', body: 'new' },
    ])]), dest);
    assert.equal(readFileSync(join(dest, 'f'), 'utf8'), 'new');
    assert.equal(readFileSync(join(outside, 'victim'), 'utf8'), 'safe');
  });

  const hostile: [string, (Partial<tar.Header> & { name: string; body?: string })[], RegExp][] = [
    ['../ escape', [{ name: '../x', body: 'x' }], /path escapes the layer/],
    ['deep ../ escape', [{ name: 'a/../../x', body: 'x' }], /path escapes the layer/],
    ['write through a symlink', [{ name: 'evil', type: 'symlink', linkname: '/tmp' }, { name: 'evil/pwned', body: 'x' }], /passes through a symlink/],
    ['write through a relative symlink', [{ name: 'evil', type: 'symlink', linkname: '../../..' }, { name: 'evil/x', body: 'x' }], /passes through a symlink/],
    ['hardlink outside', [{ name: 'hl', type: 'link', linkname: '../../etc/passwd' }], /path escapes the layer/],
    ['hardlink to a missing target', [{ name: 'hl', type: 'link', linkname: 'etc/passwd' }], /does not exist in the layer/],
  ];
  for (const [title, entries, message] of hostile) {
    it(`refuses ${title}`, async () => {
      const canary = freshDir();
      const dest = join(canary, 'layer');
      mkdirSync(dest);
      await assert.rejects(applyLayer(Readable.from([await tarOf(entries)]), dest), (err: unknown) => err instanceof InvalidParameterError && message.test(err.message));
      assert.deepEqual(readdirSync(canary), ['layer']);
    });
  }

  it('confines absolute names to the layer', async () => {
    const dest = freshDir();
    await applyLayer(Readable.from([await tarOf([{ name: '/etc/absolute', body: 'x' }])]), dest);
    assert.equal(readFileSync(join(dest, 'etc', 'absolute'), 'utf8'), 'x');
  });

  it('cleans entry names', () => {
    assert.equal(cleanEntryPath('./a/b/'), 'a/b');
    assert.equal(cleanEntryPath('/a//b'), 'a/b');
    assert.equal(cleanEntryPath('a/./c/../b'), 'a/b');
    assert.throws(() => cleanEntryPath('a\0b'), InvalidParameterError);
    assert.throws(() => cleanEntryPath('x'.repeat(5000)), InvalidParameterError);
  });

  it('rejects random bytes and truncated tars with an error, never a crash (fuzz)', async () => {
    const good = await tarOf([{ name: 'a/b', body: 'hello world' }, { name: 'c', type: 'symlink', linkname: 'a/b' }]);
    let seed = 7;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    for (let i = 0; i < 60; i++) {
      const canary = freshDir();
      const dest = join(canary, 'layer');
      mkdirSync(dest);
      const input = i % 2 ? good.subarray(0, Math.floor(rand() * good.length)) : Buffer.from(Array.from({ length: 1024 }, () => Math.floor(rand() * 256)));
      try {
        await applyLayer(Readable.from([input]), dest);
      } catch (err) {
        assert.ok(err instanceof Error);
      }
      assert.deepEqual(readdirSync(canary), ['layer']);
    }
  });

  it('tells compression formats by their magic bytes', () => {
    assert.equal(detectCompression(Buffer.from([0x1f, 0x8b, 8])), 'gzip');
    assert.equal(detectCompression(Buffer.from('BZh91AY')), 'bzip2');
    assert.equal(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00])), 'xz');
    assert.equal(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd])), 'zstd');
    assert.equal(detectCompression(Buffer.from('ustar')), 'none');
  });
});

function execChown(path: string, uid: number, gid: number): void {
  // Tests run as root, as tugd does.
  chownSync(path, uid, gid);
}
