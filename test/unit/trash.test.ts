// The trash: a discarded directory is gone from its path at once and deleted in the background;
// leftovers of an earlier run are deleted at init. Real files in a temp dir.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Trash } from '../../src/storage/trash.js';

let dir: string;
before(() => { dir = mkdtempSync('/tmp/tug-trash-'); });
after(() => rmSync(dir, { recursive: true, force: true }));

function tree(root: string): void {
  mkdirSync(join(root, 'a', 'b'), { recursive: true });
  for (let i = 0; i < 50; i++) writeFileSync(join(root, 'a', 'b', `f${i}`), 'x'.repeat(1000));
}

describe('trash', () => {
  it('takes a directory away at once and deletes it afterwards', async () => {
    const trash = new Trash(join(dir, 'trash1'));
    await trash.init();
    const victim = join(dir, 'victim');
    tree(victim);
    await trash.discard(victim);
    assert.equal(existsSync(victim), false);
    await trash.drain();
    assert.deepEqual(readdirSync(join(dir, 'trash1')), []);
  });

  it('a path that is gone already is fine', async () => {
    const trash = new Trash(join(dir, 'trash2'));
    await trash.init();
    await trash.discard(join(dir, 'never-there'));
    await trash.drain();
  });

  it('deletes what an earlier run left in it', async () => {
    const t = join(dir, 'trash3');
    tree(join(t, 'left-behind-1'));
    tree(join(t, 'left-behind-2'));
    const trash = new Trash(t);
    await trash.init();
    await trash.drain();
    assert.deepEqual(readdirSync(t), []);
  });

  it('waits for the discards to pause before deleting, unless many wait', async () => {
    const quiet = new Trash(join(dir, 'trash5'), undefined, 300);
    await quiet.init();
    const victim = join(dir, 'held');
    tree(victim);
    await quiet.discard(victim);
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(readdirSync(join(dir, 'trash5')).length, 1, 'deleted while discards might still come');
    for (let i = 0; i < 50 && readdirSync(join(dir, 'trash5')).length; i++) await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(readdirSync(join(dir, 'trash5')), []);

    const busy = new Trash(join(dir, 'trash6'), undefined, 60_000);
    await busy.init();
    for (let i = 0; i < 64; i++) {
      mkdirSync(join(dir, 'many', `d${i}`, 'x'), { recursive: true });
      await busy.discard(join(dir, 'many', `d${i}`));
    }
    for (let i = 0; i < 100 && readdirSync(join(dir, 'trash6')).length; i++) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(readdirSync(join(dir, 'trash6')), [], 'a full trash waited for a pause');
  });

  it('on another filesystem it deletes in place', async () => {
    // /dev/shm is a tmpfs: a rename from there into a trash on disk fails with EXDEV.
    if (!existsSync('/dev/shm')) return;
    const trash = new Trash(join(dir, 'trash4'));
    await trash.init();
    const victim = mkdtempSync('/dev/shm/tug-trash-');
    tree(victim);
    await trash.discard(victim);
    assert.equal(existsSync(victim), false);
  });
});
