// Containers outlive tugd: after a kill -9 and a restart, running containers are still running
// and stoppable, an exit that happened while tugd was down is recorded, restart policies apply.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;

async function start(body: object, name: string): Promise<string> {
  const r = await d.api('POST', `/containers/create?name=${name}`, { Image: 'busybox', ...body });
  assert.equal(r.status, 201, JSON.stringify(r.body));
  const id = (r.body as { Id: string }).Id;
  assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
  return id;
}

async function state(ref: string): Promise<Record<string, unknown>> {
  return ((await d.api('GET', `/containers/${ref}/json`)).body as { State: Record<string, unknown> }).State;
}

before(async () => {
  d = await TestDaemon.start();
  assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
});

after(async () => {
  await d.cleanup();
});

describe('kill -9 of tugd', () => {
  it('keeps 5 containers running, records an exit that happened while down, and stop still works', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(await start({ Cmd: ['sh', '-c', `echo hello ${i}; sleep 1000`] }, `keep${i}`));
    const quitter = await start({ Cmd: ['sh', '-c', 'read x < /dev/null; sleep 1; exit 42'] }, 'quitter');
    const always = await start({ Cmd: ['sh', '-c', 'sleep 1.2; exit 1'], HostConfig: { RestartPolicy: { Name: 'always' } } }, 'always');
    const pids = await Promise.all(ids.map(async (id) => (await state(id)).Pid as number));
    await d.kill9();
    // The quitter and the always container exit while nobody watches.
    await new Promise((r) => setTimeout(r, 1800));
    await d.startProcess();
    const list = (await d.api('GET', '/containers/json')).body as { Id: string; State: string }[];
    for (const id of ids) assert.ok(list.some((c) => c.Id === id && c.State === 'running'), `${id} still running`);
    for (const [i, id] of ids.entries()) {
      const s = await state(id);
      assert.equal(s.Pid, pids[i]);
      assert.ok(readFileSync(`/proc/${s.Pid as number}/cmdline`, 'utf8').startsWith('sleep'));
    }
    const q = await state(quitter);
    assert.equal(q.Running, false);
    assert.equal(q.ExitCode, 42);
    // tugd came back and applied the always policy to the container that died meanwhile.
    const deadline = Date.now() + 5000;
    let a = await state(always);
    while (!a.Running && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      a = await state(always);
    }
    assert.equal(a.Running, true);
    // The log written before the crash is intact.
    const logPath = ((await d.api('GET', `/containers/${ids[0]}/json`)).body as { LogPath: string }).LogPath;
    assert.match(readFileSync(logPath, 'utf8'), /\{"log":"hello 0\\n","stream":"stdout","time":"[^"]+Z"\}\n/);
    assert.equal((await d.api('POST', `/containers/${ids[0]}/stop?t=0`)).status, 204);
    assert.equal((await state(ids[0]!)).ExitCode, 137);
  });

  it('starts cleanly when a container exited and its monitor died while tugd was down', async () => {
    const id = await start({ Cmd: ['sleep', '1000'] }, 'orphan');
    await d.kill9();
    const conmonPid = Number(readFileSync(`${d.execRoot}/containers/${id}/conmon.pid`, 'utf8'));
    process.kill(conmonPid, 'SIGKILL');
    const pid = (JSON.parse(readFileSync(`${d.dataRoot}/containers/${id}/config.v2.json`, 'utf8')) as { State: { Pid: number } }).State.Pid;
    process.kill(pid, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    await d.startProcess();
    const s = await state(id);
    assert.equal(s.Running, false);
    assert.equal((await d.api('DELETE', `/containers/${id}`)).status, 204);
  });
});
