// `run -i` end to end under repetition: every run must see its whole input and its end. These
// loops caught conmon dropping stdin's EOF (1 run in 8 under load) and deadlocking on output the
// attach socket was not read for; a hang here is killed by the timeout and fails the test.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DOCKER, TUG, TestDaemon, runProcess } from '../helpers/daemon.js';

let d: TestDaemon;

before(async () => {
  d = await TestDaemon.start();
  assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
});

after(async () => {
  await d.cleanup();
});

/** Inputs of the sizes that matter: none, one line, one packet and a bit, beyond a pipe buffer. */
function inputs(): Buffer[] {
  const line = (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => `line ${i} of ${n}\n`).join(''));
  return [Buffer.alloc(0), Buffer.from('piped\n'), line(600), line(20000)];
}

const RUN_TIMEOUT_MS = 20_000;

describe('run -i, repeated', () => {
  it('tug: 32 runs of tr and cat each get all input and its end', async () => {
    const all = inputs();
    for (let i = 0; i < 32; i++) {
      const input = all[i % all.length]!;
      const echo = i % 2 === 0;
      const args = echo ? ['busybox', 'cat'] : ['busybox', 'sh', '-c', 'tr a-z A-Z; echo done'];
      const r = await runProcess(TUG, ['run', '--rm', '-i', ...args], { input, env: d.env(), timeoutMs: RUN_TIMEOUT_MS });
      const want = echo ? input.toString() : `${input.toString().toUpperCase()}done\n`;
      assert.equal(r.code, 0, `run ${i} (${input.length} bytes): ${r.stderr}`);
      assert.equal(r.stdout.length, want.length, `run ${i} (${input.length} bytes)`);
      assert.ok(r.stdout === want, `run ${i} (${input.length} bytes): output differs`);
    }
    assert.equal(((await d.api('GET', '/containers/json?all=1')).body as unknown[]).length, 0);
  });

  it('docker CLI: 16 runs of cat against tugd each finish with the input', async () => {
    const all = inputs();
    for (let i = 0; i < 16; i++) {
      const input = all[i % all.length]!;
      const r = await runProcess(DOCKER, ['run', '-i', '--rm', 'busybox', 'cat'], { input, env: d.env({ DOCKER_CONFIG: `${d.dir}/docker-config` }), timeoutMs: RUN_TIMEOUT_MS });
      assert.equal(r.code, 0, `run ${i} (${input.length} bytes): ${r.stderr}`);
      assert.ok(r.stdout === input.toString(), `run ${i} (${input.length} bytes): got ${r.stdout.length} bytes`);
    }
  });

  it('exec -i: input and its end reach the process, also beyond a pipe buffer', async () => {
    assert.equal((await d.tug(['run', '-d', '--name', 'ex', 'busybox', 'sleep', '300'])).code, 0);
    for (const input of inputs()) {
      const r = await runProcess(TUG, ['exec', '-i', 'ex', 'cat'], { input, env: d.env(), timeoutMs: RUN_TIMEOUT_MS });
      assert.equal(r.code, 0, r.stderr);
      assert.ok(r.stdout === input.toString(), `${input.length} bytes in, ${r.stdout.length} out`);
    }
    await d.api('DELETE', '/containers/ex?force=1');
  });
});
