// writeFileAtomic: the whole content at the path, its mode, no temp file left, and on failure
// the old content kept and no temp file left either.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { writeFileAtomic, writeJSONAtomic } from '../../src/storage/atomic.js';

describe('writeFileAtomic', () => {
  it('replaces the content whole, with the mode asked, leaving no temp file', async () => {
    const dir = mkdtempSync('/tmp/tug-atomic-');
    try {
      const file = join(dir, 'rec.json');
      writeFileSync(file, 'old');
      const big = Buffer.alloc(3 << 20, 7);
      await writeFileAtomic(file, big, 0o600);
      assert.ok(readFileSync(file).equals(big));
      assert.equal(statSync(file).mode & 0o777, 0o600);
      await writeJSONAtomic(file, { a: 1 });
      assert.equal(readFileSync(file, 'utf8'), '{\n  "a": 1\n}\n');
      assert.deepEqual(readdirSync(dir), ['rec.json']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a write that cannot land keeps the old file and leaves no temp file', async () => {
    const dir = mkdtempSync('/tmp/tug-atomic-');
    try {
      // The target is a non-empty directory: the rename fails after the temp file is written.
      const target = join(dir, 'taken');
      mkdirSync(target);
      writeFileSync(join(target, 'x'), 'x');
      await assert.rejects(writeFileAtomic(target, 'new'), { code: 'EISDIR' });
      assert.deepEqual(readdirSync(dir), ['taken']);
      assert.deepEqual(readdirSync(target), ['x']);
      await assert.rejects(writeFileAtomic(join(dir, 'missing', 'f'), 'new'), { code: 'ENOENT' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
