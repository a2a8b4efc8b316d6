// newNetns binds a new network namespace at a path and leaves the calling thread in its own.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readlinkSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MNT_DETACH, newNetns, umount } from '../../src/sys/libc.js';

describe('newNetns', () => {
  it('binds a namespace other than ours, with only lo, and comes back to ours', () => {
    const dir = mkdtempSync('/tmp/tug-netns-');
    const file = join(dir, 'ns');
    const ours = readlinkSync('/proc/thread-self/ns/net');
    try {
      newNetns(file);
      assert.equal(readlinkSync('/proc/thread-self/ns/net'), ours);
      assert.notEqual(`net:[${statSync(file).ino}]`, ours);
      const links = execFileSync('nsenter', [`--net=${file}`, 'ip', '-o', 'link'], { encoding: 'utf8' });
      assert.deepEqual(links.trim().split('\n').map((l) => l.split(':')[1]!.trim()), ['lo']);
      // A second one is another namespace again.
      const other = join(dir, 'ns2');
      newNetns(other);
      assert.notEqual(statSync(other).ino, statSync(file).ino);
      umount(other, MNT_DETACH);
    } finally {
      umount(file, MNT_DETACH);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a path that cannot be made throws, and we stay where we were', () => {
    const ours = readlinkSync('/proc/thread-self/ns/net');
    assert.throws(() => newNetns('/nonexistent-dir/ns'), { code: 'ENOENT' });
    assert.equal(readlinkSync('/proc/thread-self/ns/net'), ours);
  });
});
