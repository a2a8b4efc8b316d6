// tug bootstrap debian:bookworm runs debootstrap: minutes, so only with TUG_SLOW_TESTS=1.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';

describe('tug bootstrap debian', { skip: process.env.TUG_SLOW_TESTS !== '1' && 'set TUG_SLOW_TESTS=1 to run debootstrap' }, () => {
  let d: TestDaemon;
  before(async () => { d = await TestDaemon.start(); });
  after(async () => { await d?.cleanup(); });

  it('makes debian:bookworm with debootstrap', { timeout: 20 * 60_000 }, async () => {
    const r = await d.tug(['bootstrap', 'debian:bookworm']);
    assert.equal(r.code, 0, r.stderr);
    const upper = (await d.tug(['image', 'inspect', '--format', '{{.GraphDriver.Data.UpperDir}}', 'debian:bookworm'])).stdout.trim();
    assert.match(readFileSync(join(upper, 'etc/os-release'), 'utf8'), /bookworm/);
    assert.ok(existsSync(join(upper, 'usr/bin/apt-get')));
    const cmd = (await d.tug(['image', 'inspect', '--format', '{{json .Config.Cmd}}', 'debian:bookworm'])).stdout.trim();
    assert.equal(cmd, '["bash"]');
  });
});
