// `tug run` end to end, flag by flag: each test runs a real container through the CLI and
// checks what the process inside saw, or what inspect and the cgroup say.
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { TestDaemon } from '../helpers/daemon.js';

let d: TestDaemon;

before(async () => {
  d = await TestDaemon.start();
  assert.equal((await d.tug(['bootstrap', 'busybox'])).code, 0);
});

after(async () => {
  await d.cleanup();
});

async function run(args: string[], input?: string) {
  return d.tug(['run', '--rm', ...args], { input });
}

async function inspectField(name: string, template: string): Promise<string> {
  const r = await d.api('GET', `/containers/${name}/json`);
  assert.equal(r.status, 200);
  // A tiny path walker instead of Go templates: "HostConfig.Memory".
  return String(template.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], r.body));
}

describe('tug run basics', () => {
  it('prints the output, keeps stdout and stderr apart, exits with the code, removes with --rm', async () => {
    const r = await run(['busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.deepEqual([r.code, r.stdout, r.stderr], [3, 'out\n', 'err\n']);
    const all = (await d.api('GET', '/containers/json?all=1')).body as unknown[];
    assert.equal(all.length, 0);
  });

  it('exit codes: 127 for a missing command, 126 for one that cannot run, 125 for a missing image', async () => {
    const missing = await run(['busybox', 'nosuchcmd']);
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /^tug: Error response from daemon: failed to create task for container: .*executable file not found in \$PATH\n\nRun 'tug run --help' for more information\n$/);
    assert.equal((await run(['busybox', '/etc/passwd'])).code, 126);
    // Without --rm nothing removes the container to end the CLI's wait: the failed start must.
    const kept = await d.tug(['run', '--name', 'kept-nocmd', 'busybox', 'nosuchcmd'], { timeoutMs: 10_000 });
    assert.equal(kept.code, 127, kept.stderr);
    const attached = await d.tug(['start', '-a', 'kept-nocmd'], { timeoutMs: 10_000 });
    assert.equal(attached.code, 1);
    assert.match(attached.stderr, /executable file not found/);
    await d.tugOk(['rm', 'kept-nocmd']);
    const img = await run(['nope']);
    assert.equal(img.code, 125);
    assert.match(img.stderr, /^Unable to find image 'nope:latest' locally\n/);
  });

  it('-d prints the ID and leaves it running; --name conflicts exit 125 with dockerd\'s text', async () => {
    const r = await d.tug(['run', '-d', '--name', 'bg', 'busybox', 'sleep', '100']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^[0-9a-f]{64}\n$/);
    assert.equal(await inspectField('bg', 'State.Running'), 'true');
    const dup = await d.tug(['run', '-d', '--name', 'bg', 'busybox', 'true']);
    assert.equal(dup.code, 125);
    assert.match(dup.stderr, /The container name "\/bg" is already in use/);
    await d.api('DELETE', '/containers/bg?force=1');
  });

  it('-i pipes stdin, and its end reaches the container', async () => {
    const r = await run(['-i', 'busybox', 'sh', '-c', 'tr a-z A-Z; echo done'], 'piped\n');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'PIPED\ndone\n');
  });

  it('create then start -a', async () => {
    const c = await d.tug(['create', '--name', 'later', 'busybox', 'sh', '-c', 'echo later; exit 2']);
    assert.equal(c.code, 0, c.stderr);
    const s = await d.tug(['start', '-a', 'later']);
    assert.deepEqual([s.code, s.stdout], [2, 'later\n']);
    const again = await d.tug(['start', 'later', 'ghost']);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /No such container: ghost\nError: failed to start containers: ghost\n$/);
    await d.api('DELETE', '/containers/later');
  });
});

describe('tug run flags', () => {
  it('-e, --env-file, -w, -u, --entrypoint, -h', async () => {
    const envFile = join(d.dir, 'env.list');
    writeFileSync(envFile, '# comment\nFROM_FILE=yes\n');
    const r = await run(['-e', 'A=1', '--env-file', envFile, '-w', '/tmp', '-u', '42:43', '-h', 'myhost', '--entrypoint', 'sh', 'busybox', '-c', 'echo $A $FROM_FILE; pwd; id -u; id -g; hostname']);
    assert.equal(r.stdout, '1 yes\n/tmp\n42\n43\nmyhost\n');
  });

  it("--domainname is the container's NIS domain (runc 1.1 ignores the spec field: the sysctl sets it)", async () => {
    const r = await run(['-h', 'web', '--domainname', 'example.com', 'busybox', 'sh', '-c', 'hostname; cat /proc/sys/kernel/domainname']);
    assert.equal(r.stdout, 'web\nexample.com\n', r.stderr);
    assert.equal((await run(['busybox', 'cat', '/proc/sys/kernel/domainname'])).stdout, '(none)\n');
  });

  it('-l labels and --stop-signal/--stop-timeout land in the config', async () => {
    assert.equal((await d.tug(['create', '--name', 'cfg', '-l', 'team=core', '--stop-signal', 'SIGUSR1', '--stop-timeout', '3', 'busybox'])).code, 0);
    assert.equal(await inspectField('cfg', 'Config.Labels.team'), 'core');
    assert.equal(await inspectField('cfg', 'Config.StopSignal'), 'SIGUSR1');
    assert.equal(await inspectField('cfg', 'Config.StopTimeout'), '3');
    await d.api('DELETE', '/containers/cfg');
  });

  it('--stop-signal is what stop sends', async () => {
    assert.equal((await d.tug(['run', '-d', '--name', 'sig', '--stop-signal', 'USR1', 'busybox', 'sh', '-c', "trap 'exit 9' USR1; while true; do sleep 0.1; done"])).code, 0);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await d.api('POST', '/containers/sig/stop')).status, 204);
    assert.equal(await inspectField('sig', 'State.ExitCode'), '9');
    await d.api('DELETE', '/containers/sig');
  });

  it('--memory with an allocation twice as big: 137 and OOMKilled', async () => {
    const r = await d.tug(['run', '--name', 'oom', '-m', '32m', '--memory-swap', '32m', 'busybox', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
    assert.equal(r.code, 137);
    assert.equal(await inspectField('oom', 'State.OOMKilled'), 'true');
    await d.api('DELETE', '/containers/oom');
  });

  it('--cpus, --cpu-shares, --cpuset-cpus, --pids-limit reach the cgroup', async () => {
    const r = await d.tug(['run', '-d', '--name', 'cg', '--cpus', '0.5', '--cpu-shares', '512', '--cpuset-cpus', '0', '--pids-limit', '20', 'busybox', 'sleep', '100']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
    const read = (ctrl: string, file: string) => readFileSync(v2 ? `/sys/fs/cgroup/tug/${id}/${file}` : `/sys/fs/cgroup/${ctrl}/tug/${id}/${file}`, 'utf8').trim();
    if (v2) {
      assert.equal(read('', 'cpu.max'), '50000 100000');
      assert.equal(read('', 'pids.max'), '20');
    } else {
      assert.equal(read('cpu', 'cpu.cfs_quota_us'), '50000');
      assert.equal(read('cpu', 'cpu.shares'), '512');
      assert.equal(read('cpuset', 'cpuset.cpus'), '0');
      assert.equal(read('pids', 'pids.max'), '20');
    }
    await d.api('DELETE', '/containers/cg?force=1');
  });

  it('--cgroup-parent puts the container\'s cgroup there: its limits, stats and OOM are read from it', async () => {
    const parent = `/tug-test-parent-${process.pid}`;
    const v2 = existsSync('/sys/fs/cgroup/cgroup.controllers');
    const dir = (ctrl: string, id: string) => (v2 ? `/sys/fs/cgroup${parent}/${id}` : `/sys/fs/cgroup/${ctrl}${parent}/${id}`);
    try {
      const r = await d.tug(['run', '-d', '--name', 'cgp', '--cgroup-parent', parent, '-m', '64m', 'busybox', 'sleep', '100']);
      assert.equal(r.code, 0, r.stderr);
      const id = r.stdout.trim();
      assert.equal(readFileSync(`${dir('memory', id)}/${v2 ? 'memory.max' : 'memory.limit_in_bytes'}`, 'utf8').trim(), String(64 << 20));
      assert.ok(!existsSync(dir('memory', id).replace(parent, '/tug')), 'also under /tug');
      assert.equal((await d.tugOk(['stats', '--no-stream', '--format', '{{.MemUsage}}', 'cgp'])).trim().split(' / ')[1], '64MiB');
      assert.equal(await inspectField('cgp', 'HostConfig.CgroupParent'), parent);
      await d.api('DELETE', '/containers/cgp?force=1');
      const oom = await d.tug(['run', '--name', 'cgpoom', '--cgroup-parent', parent, '-m', '32m', '--memory-swap', '32m', 'busybox', 'dd', 'if=/dev/zero', 'of=/dev/null', 'bs=64M', 'count=1']);
      assert.equal(oom.code, 137);
      assert.equal(await inspectField('cgpoom', 'State.OOMKilled'), 'true');
      await d.api('DELETE', '/containers/cgpoom');
    } finally {
      // The parent stays after its containers, as with dockerd: the test removes what it made.
      for (const h of v2 ? [''] : readdirSync('/sys/fs/cgroup')) {
        const at = v2 ? `/sys/fs/cgroup${parent}` : `/sys/fs/cgroup/${h}${parent}`;
        if (existsSync(at)) rmdirSync(at);
      }
    }
  });

  it('--read-only, --tmpfs, --cap-drop, --cap-add, --privileged, no-new-privileges', async () => {
    const ro = await run(['--read-only', '--tmpfs', '/scratch', 'busybox', 'sh', '-c', 'touch /scratch/ok && touch /nope']);
    assert.equal(ro.code, 1);
    assert.match(ro.stderr, /touch: \/nope: Read-only file system/);
    assert.equal((await run(['--cap-drop', 'ALL', 'busybox', 'chown', '1', '/etc/passwd'])).code, 1);
    assert.equal((await run(['--cap-drop', 'ALL', '--cap-add', 'CHOWN', 'busybox', 'chown', '1', '/etc/passwd'])).code, 0);
    const priv = await run(['--privileged', 'busybox', 'sh', '-c', 'grep CapEff /proc/self/status']);
    const host = /CapBnd:\s*(\w+)/.exec(readFileSync('/proc/self/status', 'utf8'))![1];
    assert.equal(priv.stdout.trim(), `CapEff:\t${host}`);
    // The host's own devices (a loop disk, kmsg, …) are there only for --privileged, as Docker's are.
    const defaults = new Set(['null', 'zero', 'full', 'random', 'urandom', 'tty', 'ptmx', 'console']);
    const hostDevice = readdirSync('/dev', { withFileTypes: true }).find((e) => (e.isCharacterDevice() || e.isBlockDevice()) && !defaults.has(e.name))?.name;
    if (hostDevice) {
      const seen = await run(['--privileged', 'busybox', 'ls', `/dev/${hostDevice}`]);
      assert.equal(seen.code, 0, seen.stderr);
      assert.equal((await run(['busybox', 'ls', `/dev/${hostDevice}`])).code, 1);
    }
    const nnp = await run(['--security-opt', 'no-new-privileges', 'busybox', 'grep', 'NoNewPrivs', '/proc/self/status']);
    assert.match(nnp.stdout, /NoNewPrivs:\s+1/);
  });

  it('--ulimit, --shm-size, --device, --network none|host', async () => {
    const r = await run(['--ulimit', 'nofile=1024:2048', '--shm-size', '16m', '--device', '/dev/null:/dev/xnull', '--network', 'none', 'busybox', 'sh', '-c', 'ulimit -n; ulimit -Hn; df -k /dev/shm | tail -1 | awk "{print \\$2}"; ls /dev/xnull; ls /sys/class/net']);
    assert.equal(r.stdout, '1024\n2048\n16384\n/dev/xnull\nlo\n');
    const host = await run(['--network', 'host', 'busybox', 'ls', '/sys/class/net']);
    assert.ok(host.stdout.trim().split('\n').length > 1);
  });

  it('--restart on-failure:2 restarts exactly twice; --restart with --rm is refused', async () => {
    assert.equal((await d.tug(['run', '-d', '--name', 'flaky', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 1'])).code, 0);
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline && (await inspectField('flaky', 'RestartCount')) !== '2') await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(await inspectField('flaky', 'RestartCount'), '2');
    assert.equal(await inspectField('flaky', 'State.Running'), 'false');
    await d.api('DELETE', '/containers/flaky');
    const both = await d.tug(['run', '--rm', '--restart', 'always', 'busybox', 'true']);
    assert.equal(both.code, 125);
    assert.match(both.stderr, /conflicting options: cannot specify both --restart and --rm/);
  });

  it('--init makes tini PID 1', async () => {
    const r = await run(['--init', 'busybox', 'sh', '-c', 'cat /proc/1/cmdline | tr "\\0" " "']);
    assert.match(r.stdout, /^\/sbin\/docker-init -- sh -c/);
  });
});

describe('load', () => {
  it('100 detached runs, 10 at a time, all succeed; rm -f removes every mount, cgroup and monitor', async () => {
    const ids: string[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const rs = await Promise.all(Array.from({ length: 10 }, () => d.tug(['run', '-d', '-l', 'load=1', 'busybox', 'sleep', '1000'])));
      for (const r of rs) {
        assert.equal(r.code, 0, r.stderr);
        ids.push(r.stdout.trim());
      }
    }
    const ps = await d.tug(['ps', '-q', '--filter', 'label=load=1']);
    assert.equal(ps.stdout.trim().split('\n').length, 100);
    const rm = await d.tug(['rm', '-f', ...ids]);
    assert.equal(rm.code, 0, rm.stderr);
    const mounts = readFileSync('/proc/self/mountinfo', 'utf8');
    for (const id of ids) {
      assert.ok(!mounts.includes(id), `mount of ${id} gone`);
      assert.ok(!existsSync(`/sys/fs/cgroup/pids/tug/${id}`) && !existsSync(`/sys/fs/cgroup/tug/${id}`), `cgroup of ${id} gone`);
    }
    const monitors = readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
        return cmd.startsWith('/usr/bin/conmon') && cmd.includes(d.dir) && !/\) Z /.test(stat);
      } catch {
        return false;
      }
    });
    assert.deepEqual(monitors, []);
  });
});
