// The container commands end to end against a real tugd: ps, inspect, rm, stop, kill, restart,
// pause, rename, wait, logs, top, stats, update and container prune, with docker's outputs.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;
const LABELS = { 'tug.test': 'containers-cli' };

before(async () => {
  d = await TestDaemon.start();
  assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
});

after(async () => {
  await d.cleanup();
});

/** Creates (and starts, unless told not to) a labelled busybox container through the API. */
async function container(name: string, cmd: string[], opts: { start?: boolean; labels?: Record<string, string>; tty?: boolean } = {}): Promise<string> {
  const created = await d.api('POST', `/containers/create?name=${name}`, { Image: 'busybox', Cmd: cmd, Tty: !!opts.tty, Labels: { ...LABELS, ...opts.labels } });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  const id = (created.body as { Id: string }).Id;
  if (opts.start !== false) assert.equal((await d.api('POST', `/containers/${id}/start`)).status, 204);
  return id;
}

async function state(name: string): Promise<{ Status: string; ExitCode: number; Running: boolean; Paused: boolean }> {
  const r = await d.api('GET', `/containers/${name}/json`);
  return (r.body as { State: { Status: string; ExitCode: number; Running: boolean; Paused: boolean } }).State;
}

async function waitExited(name: string): Promise<void> {
  const r = await d.api('POST', `/containers/${name}/wait`);
  assert.equal(r.status, 200);
}

async function remove(...names: string[]): Promise<void> {
  for (const n of names) await d.api('DELETE', `/containers/${n}?force=1`);
}

describe('tug ps', () => {
  let webID: string;
  before(async () => {
    webID = await container('web', ['sh', '-c', 'echo hello; echo oops >&2; sleep 1000'], { labels: { role: 'front' } });
    await container('done', ['sh', '-c', 'exit 3']);
    await waitExited('done');
  });
  after(() => remove('web', 'done'));

  it('shows running containers in docker\'s table', async () => {
    const r = await d.tug(['ps']);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.split('\n');
    assert.match(lines[0]!, /^CONTAINER ID +IMAGE +COMMAND +CREATED +STATUS +PORTS +NAMES$/);
    assert.match(lines[1]!, new RegExp(`^${webID.slice(0, 12)}   busybox   "sh -c echo hello; e…"   .+ ago +Up .+ +web$`));
    assert.equal(lines.length, 3);
  });

  it('-a adds stopped ones, -q prints IDs, --no-trunc full IDs, -n and -l the latest', async () => {
    const all = await d.tug(['ps', '-a', '--format', '{{.Names}}|{{.Status}}']);
    assert.match(all.stdout, /^done\|Exited \(3\) .+ ago\nweb\|Up .+\n$/);
    assert.equal((await d.tug(['ps', '-q'])).stdout, `${webID.slice(0, 12)}\n`);
    assert.equal((await d.tug(['ps', '-q', '--no-trunc'])).stdout, `${webID}\n`);
    assert.equal((await d.tug(['ps', '-l', '--format', '{{.Names}}'])).stdout, 'done\n');
    assert.equal((await d.tug(['container', 'ls', '-n', '2', '--format', '{{.Names}}'])).stdout, 'done\nweb\n');
  });

  it('filters, labels and sizes', async () => {
    assert.equal((await d.tug(['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}'])).stdout, 'done\n');
    assert.equal((await d.tug(['container', 'list', '-f', 'label=role=front', '--format', '{{.Names}} {{.Label "role"}}'])).stdout, 'web front\n');
    const sized = await d.tug(['ps', '-s']);
    assert.match(sized.stdout.split('\n')[0]!, /NAMES +SIZE$/);
    assert.match(sized.stdout.split('\n')[1]!, /web +\d+(\.\d+)?k?B \(virtual \d+(\.\d+)?[kM]B\)$/);
    // A template reading .Size asks the daemon for sizes by itself.
    assert.match((await d.tug(['ps', '--format', '{{.Size}}'])).stdout, /\(virtual /);
  });

  it('--format json prints one object per container with docker\'s keys', async () => {
    const r = await d.tug(['ps', '--format', 'json']);
    const row = JSON.parse(r.stdout) as Record<string, string>;
    assert.deepEqual(Object.keys(row), ['Command', 'CreatedAt', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Names', 'Networks', 'Platform', 'Ports', 'RunningFor', 'Size', 'State', 'Status']);
    assert.equal(row.Labels, 'role=front,tug.test=containers-cli');
    assert.equal(row.State, 'running');
  });

  it('refuses a template that does not parse', async () => {
    const r = await d.tug(['ps', '--format', '{{.ID']);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^failed to parse template: template: /);
  });
});

describe('tug inspect', () => {
  before(() => container('insp', ['sleep', '1000']));
  after(() => remove('insp'));

  it('finds containers first, then images, and names what it cannot find', async () => {
    const c = await d.tug(['inspect', 'insp']);
    assert.equal(c.code, 0, c.stderr);
    const [obj] = JSON.parse(c.stdout) as { Name: string; State: { Running: boolean } }[];
    assert.equal(obj!.Name, '/insp');
    assert.match(c.stdout, /^\[\n {4}\{\n {8}"Id": "/);
    assert.equal((await d.tug(['inspect', '-f', '{{.Name}} {{.State.Status}}', 'insp'])).stdout, '/insp running\n');
    assert.match((await d.tug(['inspect', '-f', '{{.RepoTags}}', 'busybox'])).stdout, /busybox:latest/);
    const missing = await d.tug(['inspect', '-f', '{{.Name}}', 'nope', 'insp']);
    assert.deepEqual([missing.code, missing.stdout, missing.stderr], [1, '/insp\n', 'Error: No such object: nope\n']);
  });

  it('--type and -s, and container inspect', async () => {
    const typed = await d.tug(['inspect', '--type', 'image', 'insp']);
    assert.deepEqual([typed.code, typed.stdout], [1, '[]\n']);
    assert.match(typed.stderr, /^Error response from daemon: No such image: insp/);
    const bad = await d.tug(['inspect', '--type', 'thing', 'insp']);
    assert.equal(bad.stderr, 'unknown type: "thing": must be one of "config", "container", "image", "network", "node", "plugin", "secret", "service", "task", "volume"\n');
    assert.match((await d.tug(['container', 'inspect', '-s', '-f', '{{.SizeRootFs}}', 'insp'])).stdout, /^[1-9]\d*\n$/);
    const warned = await d.tug(['inspect', '-s', '-f', '{{.Id}}', 'busybox']);
    assert.equal(warned.stderr, 'WARNING: --size ignored for image\n');
    const none = await d.tug(['container', 'inspect', 'nope']);
    assert.deepEqual([none.code, none.stderr], [1, 'Error response from daemon: No such container: nope\n']);
  });
});

describe('lifecycle verbs', () => {
  after(() => remove('s1', 's2', 'p1', 'r1', 'renamed', 'k1', 'w1', 'w2', 'rm1', 'rm2'));

  it('stop and kill echo each name, end with the errors and status 1', async () => {
    await container('s1', ['sleep', '1000']);
    await container('k1', ['sh', '-c', 'trap "exit 7" USR1; while :; do sleep 0.1; done']);
    const stop = await d.tug(['stop', '-t', '0', 's1', 'nope']);
    assert.deepEqual([stop.code, stop.stdout, stop.stderr], [1, 's1\n', 'Error response from daemon: No such container: nope\n']);
    assert.deepEqual([(await state('s1')).Status, (await state('s1')).ExitCode], ['exited', 137]);
    const kill = await d.tug(['kill', '-s', 'USR1', 'k1']);
    assert.deepEqual([kill.code, kill.stdout], [0, 'k1\n']);
    await waitExited('k1');
    assert.equal((await state('k1')).ExitCode, 7);
    const bad = await d.tug(['stop', '-t', 'soon', 's1']);
    assert.equal(bad.code, 125);
    assert.match(bad.stderr, /^invalid argument "soon" for "-t, --timeout" flag: strconv.ParseInt: parsing "soon": invalid syntax\n/);
  });

  it('pause, unpause, restart', async () => {
    await container('p1', ['sleep', '1000']);
    assert.equal((await d.tug(['pause', 'p1'])).stdout, 'p1\n');
    assert.equal((await state('p1')).Paused, true);
    assert.match((await d.tug(['ps', '--format', '{{.Status}}', '-f', 'name=p1'])).stdout, /^Up .+ \(Paused\)\n$/);
    assert.equal((await d.tug(['container', 'unpause', 'p1'])).stdout, 'p1\n');
    assert.equal((await state('p1')).Paused, false);
    await container('r1', ['sh', '-c', 'exit 4'], { start: false });
    const restart = await d.tug(['restart', '-t', '0', 'r1']);
    assert.deepEqual([restart.code, restart.stdout], [0, 'r1\n']);
    await waitExited('r1');
    assert.equal((await state('r1')).ExitCode, 4);
  });

  it('rename, and its errors', async () => {
    await container('s2', ['sleep', '1000'], { start: false });
    assert.equal((await d.tug(['rename', 's2', 'renamed'])).code, 0);
    assert.equal((await d.api('GET', '/containers/renamed/json')).status, 200);
    const missing = await d.tug(['rename', 'nope', 'x']);
    assert.deepEqual([missing.code, missing.stderr], [1, 'Error response from daemon: No such container: nope\nError: failed to rename container named nope\n']);
  });

  it('wait prints each exit code, waiting for running containers', async () => {
    await container('w1', ['sh', '-c', 'exit 5']);
    await container('w2', ['sh', '-c', 'sleep 1; exit 6']);
    const r = await d.tug(['wait', 'w1', 'w2', 'nope']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '5\n6\n', 'Error response from daemon: No such container: nope\n']);
  });

  it('rm refuses a running container without -f; -f forgives missing names', async () => {
    await container('rm1', ['sleep', '1000']);
    await container('rm2', ['true'], { start: false });
    const refused = await d.tug(['rm', 'rm1', 'rm2']);
    assert.equal(refused.code, 1);
    assert.equal(refused.stdout, 'rm2\n');
    assert.match(refused.stderr, /^Error response from daemon: .*rm1.*\n$/);
    const forced = await d.tug(['container', 'remove', '-f', 'nope', 'rm1']);
    assert.deepEqual([forced.code, forced.stdout, forced.stderr], [0, 'rm1\n', 'Error response from daemon: No such container: nope\n']);
    assert.equal((await d.api('GET', '/containers/rm1/json')).status, 404);
  });
});

describe('logs, top, stats', () => {
  before(async () => {
    await container('lg', ['sh', '-c', 'echo out1; echo err1 >&2; echo out2; sleep 1000']);
    await container('tt', ['sh', '-c', 'printf "tty line\\n"; sleep 1000'], { tty: true });
    await new Promise((r) => setTimeout(r, 500));
  });
  after(() => remove('lg', 'tt'));

  it('logs splits stdout and stderr; a TTY container\'s output is raw', async () => {
    const r = await d.tug(['logs', 'lg']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'out1\nout2\n', 'err1\n']);
    const tty = await d.tug(['logs', 'tt']);
    assert.deepEqual([tty.code, tty.stdout], [0, 'tty line\r\n']);
  });

  it('logs -t, --tail, --since, and a bad --since', async () => {
    assert.match((await d.tug(['logs', '-t', 'lg'])).stdout, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z out1\n/);
    const tail = await d.tug(['logs', '--tail', '1', 'lg']);
    assert.equal(tail.stdout.split('\n').length + tail.stderr.split('\n').length - 2, 1);
    const future = await d.tug(['logs', '--since', '2999-01-01T00:00:00Z', 'lg']);
    assert.deepEqual([future.code, future.stdout, future.stderr], [0, '', '']);
    const bad = await d.tug(['logs', '--since', 'yesterday', 'lg']);
    assert.deepEqual([bad.code, bad.stderr], [1, 'invalid value for "since": failed to parse value as time or duration: "yesterday"\n']);
    const none = await d.tug(['logs', 'nope']);
    assert.deepEqual([none.code, none.stderr], [1, 'Error response from daemon: No such container: nope\n']);
  });

  it('top shows the container\'s processes, with ps options', async () => {
    const r = await d.tug(['top', 'lg']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^UID +PID +PPID +C +STIME +TTY +TIME +CMD\n/);
    assert.match(r.stdout, /sleep 1000\n/);
    assert.match((await d.tug(['container', 'top', 'lg', '-o', 'pid,comm'])).stdout, /^PID {17}COMMAND\n(?:\d+ +\S+\n)*\d+ +sleep\n/);
  });

  it('stats --no-stream prints one table; --format picks columns', async () => {
    const r = await d.tug(['stats', '--no-stream', 'lg']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^CONTAINER ID +NAME +CPU % +MEM USAGE \/ LIMIT +MEM % +NET I\/O +BLOCK I\/O +PIDS\n[0-9a-f]{12} +lg +\d+\.\d\d% +[\d.]+[KMG]?i?B \/ [\d.]+[KMGT]iB +\d+\.\d\d% +/);
    assert.match((await d.tug(['stats', '--no-stream', '--format', '{{.Name}} {{.PIDs}}', 'lg'])).stdout, /^lg [12]\n$/);
    const all = await d.tug(['container', 'stats', '--no-stream', '--format', '{{.Name}}']);
    assert.deepEqual(all.stdout.split('\n').filter(Boolean).sort(), ['lg', 'tt']);
    const missing = await d.tug(['stats', '--no-stream', 'nope']);
    assert.deepEqual([missing.code, missing.stderr], [1, 'Error response from daemon: No such container: nope\n']);
  });
});

describe('update and container prune', () => {
  after(() => remove('up1', 'keep'));

  it('update changes limits and the restart policy', async () => {
    await container('up1', ['sleep', '1000']);
    const r = await d.tug(['update', '-m', '64m', '--memory-swap', '128m', '--restart', 'on-failure:2', '--pids-limit', '50', 'up1']);
    assert.deepEqual([r.code, r.stdout], [0, 'up1\n'], r.stderr);
    const hc = ((await d.api('GET', '/containers/up1/json')).body as { HostConfig: Record<string, unknown> }).HostConfig;
    assert.deepEqual([hc.Memory, hc.MemorySwap, hc.PidsLimit, hc.RestartPolicy], [64 << 20, 128 << 20, 50, { Name: 'on-failure', MaximumRetryCount: 2 }]);
    const none = await d.tug(['update', 'up1']);
    assert.deepEqual([none.code, none.stderr], [1, 'you must provide one or more flags when using this command\n']);
    const bad = await d.tug(['update', '--cpus', 'many', 'up1']);
    assert.equal(bad.code, 125);
  });

  it('prune asks first, then removes stopped containers and says what it reclaimed', async () => {
    await container('keep', ['sleep', '1000']);
    const goneID = await container('gone', ['true']);
    await waitExited('gone');
    const no = await d.tug(['container', 'prune'], { input: 'n\n' });
    assert.deepEqual([no.code, no.stdout], [0, 'WARNING! This will remove all stopped containers.\nAre you sure you want to continue? [y/N] ']);
    assert.equal((await d.api('GET', '/containers/gone/json')).status, 200);
    const yes = await d.tug(['container', 'prune', '-f']);
    assert.equal(yes.code, 0, yes.stderr);
    assert.match(yes.stdout, new RegExp(`^Deleted Containers:\n(?:[0-9a-f]{64}\n)*${goneID}\n(?:[0-9a-f]{64}\n)*\nTotal reclaimed space: \\d`));
    assert.equal((await d.api('GET', '/containers/gone/json')).status, 404);
    assert.equal((await d.api('GET', '/containers/keep/json')).status, 200);
  });
});
