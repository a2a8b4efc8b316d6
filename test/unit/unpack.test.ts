// A layer download unpacked on a worker thread: the bytes that arrive end up in the partial
// file and the layer; a resumed download hashes what partial/ held; a bad digest, a hostile
// tar, a broken link and a cancel each fail as they do on the main thread, and the next
// layer still unpacks.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { isErrno, isTugError } from '../../src/errors.js';
import { SLOT, unpackOffThread, unwire, type UnpackSink } from '../../src/storage/unpack.js';
import { tarOf } from '../helpers/tar.js';
import { placesUnder } from '../helpers/places.js';

const root = mkdtempSync('/tmp/tug-unpack-test-');
const place = placesUnder(root);
after(() => rmSync(root, { recursive: true, force: true }));

const sha256 = (b: Buffer) => 'sha256:' + createHash('sha256').update(b).digest('hex');


/** A feed that writes `data` in chunks of odd sizes, as sockets deliver them. */
const feedOf = (data: Buffer, size = 65_521) => async (sink: UnpackSink) => {
  for (let i = 0; i < data.length; i += size) await sink.write(data.subarray(i, i + size));
};

async function layer(): Promise<{ tarBytes: Buffer; blob: Buffer; big: Buffer }> {
  // Larger than the slots in flight: the credits must come back for the feed to finish.
  const big = randomBytes(SLOT * 11 + 12_345);
  const tarBytes = await tarOf([{ name: 'etc/', type: 'directory', mode: 0o755 }, { name: 'etc/hello', body: 'hi\n' }, { name: 'big.bin', body: big }]);
  return { tarBytes, blob: gzipSync(tarBytes, { level: 1 }), big };
}

describe('unpack on a worker thread', () => {
  it('keeps the blob in the partial file, unpacks the layer, tells the DiffID; one worker serves the next layer', async () => {
    const { tarBytes, blob, big } = await layer();
    for (let round = 0; round < 2; round++) {
      const { partial, dest } = place();
      let verified = 0;
      const result = await unpackOffThread({ partial, have: 0, digest: sha256(blob), dest }, feedOf(blob), () => verified++);
      assert.deepEqual(result, { diffID: sha256(tarBytes), size: tarBytes.length });
      assert.equal(verified, 1);
      assert.ok(readFileSync(partial).equals(blob), 'the partial file holds the compressed blob');
      assert.equal(readFileSync(join(dest, 'etc/hello'), 'utf8'), 'hi\n');
      assert.ok(readFileSync(join(dest, 'big.bin')).equals(big));
    }
  });

  it('a resumed download hashes the bytes partial/ held, then appends the rest', async () => {
    const { tarBytes, blob } = await layer();
    const { partial, dest } = place();
    const have = 3 * SLOT + 777;
    writeFileSync(partial, blob.subarray(0, have));
    const result = await unpackOffThread({ partial, have, digest: sha256(blob), dest }, feedOf(blob.subarray(have)), () => undefined);
    assert.equal(result.diffID, sha256(tarBytes));
    assert.ok(readFileSync(partial).equals(blob));
  });

  it('bytes that do not hash to the digest fail as bad input, and no layer is taken', async () => {
    const { blob } = await layer();
    const { partial, dest } = place();
    let verified = 0;
    const wrong = 'sha256:' + '0'.repeat(64);
    await assert.rejects(unpackOffThread({ partial, have: 0, digest: wrong, dest }, feedOf(blob), () => verified++), (err: unknown) => {
      assert.ok(isTugError(err, 'InvalidParameter'), String(err));
      assert.equal((err as Error).message, `filesystem layer verification failed for digest ${wrong}`);
      return true;
    });
    assert.equal(verified, 0);
  });

  it('a hostile tar entry is refused with apply.ts\'s message, across the thread', async () => {
    const tarBytes = await tarOf([{ name: '../escape', body: 'x' }]);
    const blob = gzipSync(tarBytes);
    const { partial, dest } = place();
    await assert.rejects(unpackOffThread({ partial, have: 0, digest: sha256(blob), dest }, feedOf(blob), () => undefined), (err: unknown) => {
      assert.ok(isTugError(err, 'InvalidParameter'), String(err));
      assert.equal((err as Error).message, 'invalid tar entry "../escape": path escapes the layer');
      return true;
    });
    assert.equal(existsSync(join(dest, '..', 'escape')), false);
  });

  it('a broken link fails with its own error and leaves the bytes that arrived for a resume', async () => {
    const { tarBytes, blob } = await layer();
    const { partial, dest } = place();
    const cut = 5 * SLOT;
    const broken = async (sink: UnpackSink) => {
      await feedOf(blob.subarray(0, cut))(sink);
      throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    };
    await assert.rejects(unpackOffThread({ partial, have: 0, digest: sha256(blob), dest }, broken, () => undefined), (err: unknown) => isErrno(err, 'ECONNRESET'));
    // Whole slots that reached the worker are on disk: never more than arrived, never different bytes.
    const kept = readFileSync(partial);
    assert.ok(kept.length > 0 && kept.length <= cut, `kept ${kept.length} bytes`);
    assert.ok(kept.equals(blob.subarray(0, kept.length)));
    // The resume from what was kept completes the layer.
    const again = place();
    writeFileSync(again.partial, kept);
    const result = await unpackOffThread({ partial: again.partial, have: kept.length, digest: sha256(blob), dest: again.dest }, feedOf(blob.subarray(kept.length)), () => undefined);
    assert.equal(result.diffID, sha256(tarBytes));
  });

  it('a cancel stops it with the signal\'s reason, even once every byte has arrived', async () => {
    const { blob } = await layer();
    for (const when of ['during', 'after'] as const) {
      const { partial, dest } = place();
      const ac = new AbortController();
      const feed = async (sink: UnpackSink) => {
        await feedOf(blob.subarray(0, when === 'during' ? 2 * SLOT : blob.length))(sink);
        ac.abort(new Error(`cancelled ${when}`));
        if (when === 'during') await new Promise((r) => setTimeout(r, 50)).then(() => { throw new Error('aborted request'); });
      };
      await assert.rejects(unpackOffThread({ partial, have: 0, digest: sha256(blob), dest }, feed, () => undefined, ac.signal), new RegExp(`cancelled ${when}`));
    }
    const signal = AbortSignal.abort(new Error('already'));
    const { partial, dest } = place();
    await assert.rejects(unpackOffThread({ partial, have: 0, digest: sha256(blob), dest }, feedOf(blob), () => undefined, signal), /already/);
    assert.equal(existsSync(partial), false, 'nothing started');
  });

  it('a host error keeps its errno across the thread', async () => {
    const { blob } = await layer();
    const { dest } = place();
    const partial = join(root, 'no-such-dir', 'partial');
    await assert.rejects(unpackOffThread({ partial, have: 0, digest: sha256(blob), dest }, feedOf(blob), () => undefined), (err: unknown) => isErrno(err, 'ENOENT'));
  });

  it('errors cross as the same kind and code', () => {
    const e = unwire({ kind: 'NotFound', code: 'TUG_NOT_FOUND', message: 'gone' });
    assert.ok(isTugError(e, 'NotFound'));
    assert.equal(e.message, 'gone');
    const internal = unwire({ kind: 'Internal', code: 'TUG_X', message: 'oops' });
    assert.ok(isTugError(internal, 'Internal'));
    assert.equal((internal as { code?: string }).code, 'TUG_X');
    const sys = unwire({ code: 'ENOSPC', errno: -28, syscall: 'write', message: 'ENOSPC: no space left on device, write' });
    assert.ok(isErrno(sys, 'ENOSPC'));
  });
});
