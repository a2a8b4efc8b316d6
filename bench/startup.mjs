// Where a `tug run` spends its time: the CLI's own start-up (bare node, then tug up to the point
// where it would talk to the daemon) and the engine's phases timed at the API (create; start of
// a detached container; start to removal of an --rm one), so a regression shows in its phase.
import { spawnSync } from 'node:child_process';
import { request } from 'node:http';

function api(sock, method, path, body) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers = payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {};
    const req = request({ socketPath: sock, method, path: `/v1.50${path}`, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString();
        if (res.statusCode >= 300) reject(new Error(`${method} ${path}: ${res.statusCode} ${text}`));
        else resolve(text ? JSON.parse(text) : undefined);
      });
    });
    req.on('error', reject);
    req.end(payload);
  });
}

/** Headers back means the daemon registered the wait; `done` settles at the condition (boxed: a bare promise would be adopted). */
function waitFor(sock, id, condition) {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: sock, method: 'POST', path: `/v1.50/containers/${id}/wait?condition=${condition}` }, (res) => {
      const done = new Promise((r) => { res.resume(); res.on('end', r); });
      resolve({ done });
    });
    req.on('error', reject);
    req.end();
  });
}

function median(samples) {
  const s = [...samples].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const ms = (t0) => Number(process.hrtime.bigint() - t0) / 1e6;

/** Adds the start-up rows to `results`; needs a running tugd on `sock` with busybox. */
export async function benchStartup(results, { tug, env, sock, n = 15 }) {
  const cliEnv = { ...env };
  delete cliEnv.NODE_EXTRA_CA_CERTS;
  const spawnMs = (cmd, args, e) => {
    const t0 = process.hrtime.bigint();
    spawnSync(cmd, args, { env: e, stdio: 'ignore' });
    return ms(t0);
  };
  const nodeBare = [];
  const cliParse = [];
  for (let i = 0; i < n; i++) {
    nodeBare.push(spawnMs(process.execPath, ['-e', '0'], cliEnv));
    // A bad flag: the whole start-up (launcher, code cache, flag parsing), no daemon round trip.
    cliParse.push(spawnMs(tug, ['run', '--no-such-flag', 'busybox'], env));
  }
  results['node -e 0, bare start (ms)'] = median(nodeBare);
  results['tug run with a bad flag, CLI start-up alone (ms)'] = median(cliParse);

  const create = [];
  const startDetached = [];
  const startToRemoved = [];
  const ids = [];
  for (let i = 0; i < n; i++) {
    let t0 = process.hrtime.bigint();
    const { Id } = await api(sock, 'POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '1000'] });
    create.push(ms(t0));
    ids.push(Id);
    t0 = process.hrtime.bigint();
    await api(sock, 'POST', `/containers/${Id}/start`);
    startDetached.push(ms(t0));

    const rm = await api(sock, 'POST', '/containers/create', { Image: 'busybox', Cmd: ['true'], HostConfig: { AutoRemove: true } });
    const { done: removed } = await waitFor(sock, rm.Id, 'removed');
    t0 = process.hrtime.bigint();
    await api(sock, 'POST', `/containers/${rm.Id}/start`);
    await removed;
    startToRemoved.push(ms(t0));
  }
  results['API create (ms)'] = median(create);
  results['API start, detached sleep (ms)'] = median(startDetached);
  results['API start of an --rm true until removed (ms)'] = median(startToRemoved);
  // As docker-py or testcontainers start them: create + start, one after another, no CLI.
  const t50 = process.hrtime.bigint();
  for (let i = 0; i < 50; i++) {
    const { Id } = await api(sock, 'POST', '/containers/create', { Image: 'busybox', Cmd: ['sleep', '1000'] });
    ids.push(Id);
    await api(sock, 'POST', `/containers/${Id}/start`);
  }
  results['50 detached starts through the API (create + start), one after another (ms)'] = ms(t50);
  for (const id of ids) await api(sock, 'DELETE', `/containers/${id}?force=1`);
}
