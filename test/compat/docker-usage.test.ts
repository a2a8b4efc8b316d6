// Usage mistakes worded as the real docker CLI words them: the same argv to both CLIs gives the
// same stderr (with "docker" read as "tug") and the same exit code. No daemon is needed.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { DOCKER, TUG, runProcess } from '../helpers/daemon.js';

const dir = mkdtempSync('/tmp/tug-usage-');
const env = { ...process.env, DOCKER_HOST: 'unix:///nonexistent/tug-usage.sock', TUG_HOST: 'unix:///nonexistent/tug-usage.sock', DOCKER_CONFIG: dir };
after(() => rmSync(dir, { recursive: true, force: true }));

const CASES = [
  'images --bogus', 'ps -z', 'ps extra', 'version extra', 'tag x', 'rm', 'port', 'rename a', 'exec c',
  'logs --tail', 'run --bogus busybox', 'run -m', 'create -m 1x busybox', 'stop -t soon x', 'search --limit x foo',
  'network create', 'volume rm', 'save', 'nosuch', 'image nosuch', '--bogus',
];

describe('usage errors match the docker CLI', () => {
  for (const c of CASES) {
    it(`tug ${c}`, async () => {
      const args = c.split(' ');
      const [want, got] = await Promise.all([runProcess(DOCKER, args, { env }), runProcess(TUG, args, { env })]);
      assert.equal(got.stderr, want.stderr.replace(/docker/g, 'tug'));
      assert.equal(got.code, want.code);
    });
  }
});

describe('a management command without a subcommand', () => {
  it('tug image lists its commands as docker image does (plus bootstrap), exit 0', async () => {
    const [want, got] = await Promise.all([runProcess(DOCKER, ['image'], { env }), runProcess(TUG, ['image'], { env })]);
    assert.equal(got.code, 0);
    assert.equal(got.stdout, '');
    const ours = got.stderr.split('\n').filter((l) => !l.startsWith('  bootstrap ')).join('\n');
    assert.equal(ours, want.stderr.replace(/docker/g, 'tug'));
  });
});
