// The container store's writes: one container's writes land in the order made, and a write still
// on its way when the container is removed does not bring the record back. Real files in a temp dir.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ContainerStore } from '../../src/containers/store.js';
import type { ContainerRecord } from '../../src/containers/types.js';
import { Trash } from '../../src/storage/trash.js';

let dir: string;
before(() => { dir = mkdtempSync('/tmp/tug-cstore-'); });
after(() => rmSync(dir, { recursive: true, force: true }));

function record(id: string, name: string, exitCode = 0): ContainerRecord {
  return { ID: id, Name: name, State: { ExitCode: exitCode } } as unknown as ContainerRecord;
}

describe('container store writes', () => {
  it('writes of one container land in the order they were made', async () => {
    const store = new ContainerStore(join(dir, 'a'));
    await store.init();
    const id = 'a'.repeat(64);
    await Promise.all([1, 2, 3, 4, 5].map((n) => store.save(record(id, '/ordered', n))));
    const onDisk = JSON.parse(readFileSync(join(store.dir(id), 'config.v2.json'), 'utf8')) as ContainerRecord;
    assert.equal(onDisk.State.ExitCode, 5);
  });

  it('a write under way when the container is removed does not bring it back', async () => {
    const trash = new Trash(join(dir, 'trash'));
    await trash.init();
    const store = new ContainerStore(join(dir, 'b'), trash);
    await store.init();
    const id = 'b'.repeat(64);
    await store.save(record(id, '/doomed'));
    const late = store.save(record(id, '/doomed', 1));
    const removal = store.delete(record(id, '/doomed'));
    const later = store.save(record(id, '/doomed', 2));
    await Promise.all([late, removal, later]);
    assert.equal(existsSync(store.dir(id)), false);
    assert.equal(store.find(id), undefined);
    assert.equal(store.hasName('/doomed'), false);
    const reopened = new ContainerStore(join(dir, 'b'));
    assert.deepEqual(await reopened.init(), []);
    assert.equal(reopened.find(id), undefined);
  });
});
