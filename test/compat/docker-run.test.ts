// The real docker CLI running containers on tugd: run with output and exit codes, -d, --rm,
// -i with piped stdin, -it under a pseudo-terminal, exec, logs, stop, rm, ps; blkio limits, --gpus and
// AppArmor options as dockerd treats them on this host; joining another container's PID, IPC (with
// its /dev/shm) and network namespaces.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism } from 'node:os';
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

/** Runs `command` under util-linux `script`, which gives it a pty; `input` is typed after `delayMs`. */
function underPty(command: string, input: string[], delayMs = 600): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: d.env({ DOCKER_CONFIG: `${d.dir}/docker-config`, TERM: 'xterm' }), stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    let t = delayMs;
    for (const line of input) {
      setTimeout(() => child.stdin.write(line), t);
      t += 300;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
  });
}

describe('docker run against tugd', () => {
  it('prints the output and exits with the container\'s code', async () => {
    const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    assert.equal(r.code, 3);
    assert.equal(r.stdout, 'out\n');
    assert.equal(r.stderr, 'err\n');
  });

  it('-i pipes stdin to the container', async () => {
    const r = await d.docker(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'tr a-z A-Z'], { input: 'hello tug\n' });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'HELLO TUG\n');
  });

  it('a missing command exits 127, a missing image 125', async () => {
    const r = await d.docker(['run', '--rm', 'busybox', 'nosuchcmd']);
    assert.equal(r.code, 127);
    assert.match(r.stderr, /executable file not found/);
    const img = await d.docker(['run', '--rm', 'nosuchimage']);
    assert.equal(img.code, 125);
    assert.match(img.stderr, /Unable to find image 'nosuchimage:latest' locally/);
  });

  it('-d, logs, exec, stop and rm', async () => {
    const run = await d.docker(['run', '-d', '--name', 'web', 'busybox', 'sh', '-c', 'echo started; sleep 100']);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /^[0-9a-f]{64}\n$/);
    await new Promise((r) => setTimeout(r, 300));
    const logs = await d.docker(['logs', 'web']);
    assert.equal(logs.stdout, 'started\n');
    const exec = await d.docker(['exec', 'web', 'sh', '-c', 'echo in-exec; exit 4']);
    assert.equal(exec.code, 4);
    assert.equal(exec.stdout, 'in-exec\n');
    // dockerd hijacks first: a command that cannot run is a line on the stream and the exec's code.
    for (const [cmd, code] of [['nosuchcmd', 127], ['/etc', 126]] as const) {
      const bad = await d.docker(['exec', 'web', cmd]);
      assert.equal(bad.code, code, bad.stderr);
      assert.match(bad.stdout, code === 127 ? /exec: "nosuchcmd": executable file not found in \$PATH\r\n$/ : /exec: "\/etc": permission denied\r\n$/);
      const tug = await d.tug(['exec', 'web', cmd]);
      assert.equal(tug.code, code, tug.stderr);
      assert.equal(tug.stdout, bad.stdout);
    }
    for (const cli of [(a: string[]) => d.docker(a), (a: string[]) => d.tug(a)]) {
      const detached = await cli(['exec', '-d', 'web', 'nosuchcmd']);
      assert.equal(detached.code, 1);
      assert.match(detached.stderr, /Error response from daemon: .*executable file not found/);
    }
    const ps = await d.docker(['ps', '--format', '{{.Names}} {{.Status}}']);
    assert.match(ps.stdout, /^web Up /m);
    assert.equal((await d.docker(['stop', '-t', '1', 'web'])).code, 0);
    assert.equal((await d.docker(['rm', 'web'])).code, 0);
  });

  it('-it gives a terminal: input echoes, the shell\'s exit code comes back', async () => {
    const r = await underPty('/usr/local/bin/docker run --rm -it busybox sh', ['echo $((6*7))\r', 'tty; exit 5\r']);
    assert.equal(r.code, 5, r.out);
    assert.match(r.out, /42/);
    assert.match(r.out, /\/dev\/pts\/0/);
  });

  it('exec -it gives a terminal in a running container', async () => {
    assert.equal((await d.docker(['run', '-d', '--name', 'box', 'busybox', 'sleep', '100'])).code, 0);
    const r = await underPty('/usr/local/bin/docker exec -it box sh', ['echo inside-$((1+1))\r', 'exit 7\r']);
    assert.equal(r.code, 7, r.out);
    assert.match(r.out, /inside-2/);
    await d.docker(['rm', '-f', 'box']);
  });

  it('Ctrl-P Ctrl-Q detaches and leaves the container running', async () => {
    const r = await underPty('/usr/local/bin/docker run -it --name detachme busybox sh', ['\x10\x11']);
    assert.equal(r.code, 0, r.out);
    const ps = await d.docker(['inspect', '-f', '{{.State.Running}}', 'detachme']);
    assert.equal(ps.stdout.trim(), 'true');
    await d.docker(['rm', '-f', 'detachme']);
  });
});

/** A whole disk of the host (not a loop, ram or zram device), with its major:minor. */
function hostDisk(): { path: string; majMin: string } | undefined {
  for (const name of readdirSync('/sys/block')) {
    if (/^(loop|ram|zram|nbd)/.test(name) || !existsSync(`/dev/${name}`)) continue;
    return { path: `/dev/${name}`, majMin: readFileSync(`/sys/block/${name}/dev`, 'utf8').trim() };
  }
  return undefined;
}

describe('docker run device and security options against tugd, as dockerd on this host', () => {
  it('--device-read-bps and --device-write-iops reach the blkio cgroup; a missing device fails the start with the stat error', async (t) => {
    const disk = hostDisk();
    if (!disk) return t.skip('no block device on this host');
    const r = await d.docker(['run', '-d', '--device-read-bps', `${disk.path}:1mb`, '--device-write-iops', `${disk.path}:50`, 'busybox', 'sleep', '100']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
      assert.match(readFileSync(`/sys/fs/cgroup/tug/${id}/io.max`, 'utf8'), new RegExp(`^${disk.majMin} rbps=1048576 wbps=max riops=max wiops=50$`, 'm'));
    } else {
      assert.equal(readFileSync(`/sys/fs/cgroup/blkio/tug/${id}/blkio.throttle.read_bps_device`, 'utf8'), `${disk.majMin} 1048576\n`);
      assert.equal(readFileSync(`/sys/fs/cgroup/blkio/tug/${id}/blkio.throttle.write_iops_device`, 'utf8'), `${disk.majMin} 50\n`);
    }
    assert.equal((await d.docker(['inspect', '-f', '{{json .HostConfig.BlkioDeviceReadBps}}', id])).stdout, `[{"Path":"${disk.path}","Rate":1048576}]\n`);
    await d.docker(['rm', '-f', id]);
    const missing = await d.docker(['run', '--rm', '--device-read-bps', '/dev/tug-no-such-disk:1mb', 'busybox', 'true']);
    // The docker CLI's exit code for a start error that says "no such file or directory".
    assert.equal(missing.code, 127);
    assert.match(missing.stderr, /^docker: Error response from daemon: stat \/dev\/tug-no-such-disk: no such file or directory\n/);
  });

  it('--blkio-weight on a host whose blkio hierarchy has no blkio.weight is discarded with dockerd\'s warning', async (t) => {
    if (existsSync('/sys/fs/cgroup/cgroup.controllers') || existsSync('/sys/fs/cgroup/blkio/blkio.weight')) return t.skip('this host takes a blkio weight');
    const r = await d.docker(['run', '--rm', '--blkio-weight', '300', 'busybox', 'true']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, 'WARNING: Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.\n');
  });

  it('settings dockerd refuses (limits the host cannot meet, unknown capabilities and signals, a relative workdir) are refused at create with its words', async () => {
    const cpus = availableParallelism();
    const cases: Array<[string[], string]> = [
      [['--cpus', String(cpus + 1)], `range of CPUs is from 0.01 to ${cpus}.00, as there are only ${cpus} CPUs available`],
      [['--cpuset-cpus', String(cpus + 3)], `Requested CPUs are not available - requested ${cpus + 3}, available: `],
      [['--memory-reservation', '1m'], 'Minimum memory reservation allowed is 6MB'],
      [['--storage-opt', 'size=1G'], "--storage-opt is supported only for overlay over xfs with 'pquota' mount option"],
      [['--cap-add', 'BOGUS'], 'invalid CapAdd: unknown capability: "CAP_BOGUS"'],
      [['--stop-signal', 'SIGNOPE'], 'Invalid signal: SIGNOPE'],
      [['-w', 'relative'], "the working directory 'relative' is invalid, it needs to be an absolute path"],
    ];
    const before = (await d.docker(['ps', '-aq'])).stdout;
    for (const [flags, message] of cases) {
      const r = await d.docker(['create', ...flags, 'busybox', 'true']);
      assert.equal(r.code, 1, flags.join(' '));
      assert.ok(r.stderr.startsWith(`Error response from daemon: ${message}`), r.stderr);
    }
    // Refused at create: no container is left behind.
    assert.equal((await d.docker(['ps', '-aq'])).stdout, before);
    const warned = await d.docker(['run', '--rm', '--oom-kill-disable', 'busybox', 'true']);
    assert.equal(warned.code, 0, warned.stderr);
    assert.equal(warned.stderr, 'WARNING: OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.\n');
  });

  it('--gpus fails the start as dockerd does with no device driver for it', async () => {
    const r = await d.docker(['run', '--rm', '--gpus', 'all', 'busybox', 'true']);
    assert.equal(r.code, 125);
    assert.match(r.stderr, /^docker: Error response from daemon: could not select device driver "" with capabilities: \[\[gpu\]\]\n/);
  });

  it('--security-opt apparmor=… on a host without AppArmor runs, as dockerd sets no profile there', async (t) => {
    const apparmor = existsSync('/sys/module/apparmor/parameters/enabled') && readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').startsWith('Y');
    if (apparmor) return t.skip('AppArmor is on');
    const r = await d.docker(['run', '--rm', '--security-opt', 'apparmor=unconfined', 'busybox', 'echo', 'ran']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'ran\n');
  });
});

describe('docker run --pid/--ipc/--network container:NAME against tugd', () => {
  it('--pid container:NAME sees the donor\'s processes; a donor that is gone or stopped fails the start with dockerd\'s words', async () => {
    const donorId = (await d.docker(['run', '-d', '--name', 'piddonor', 'busybox', 'sleep', '100'])).stdout.trim();
    const ps = await d.docker(['run', '--rm', '--pid', 'container:piddonor', 'busybox', 'ps', '-o', 'pid,args']);
    assert.equal(ps.code, 0, ps.stderr);
    assert.match(ps.stdout, /^\s+1 sleep 100$/m);
    const gone = await d.docker(['run', '--rm', '--pid', 'container:nosuchdonor', 'busybox', 'true']);
    assert.equal(gone.code, 125);
    assert.match(gone.stderr, /^docker: Error response from daemon: failed to join PID namespace: No such container: nosuchdonor\n/);
    await d.docker(['stop', '-t', '0', 'piddonor']);
    const stopped = await d.docker(['run', '--rm', '--name', 'pidjoiner', '--pid', 'container:piddonor', 'busybox', 'true']);
    assert.equal(stopped.code, 125);
    // dockerd names the donor by the ID it found at create.
    assert.match(stopped.stderr, new RegExp(`^docker: Error response from daemon: failed to join PID namespace: container ${donorId} is not running\n`));
    await d.docker(['rm', 'piddonor']);
  });

  it('--ipc container:NAME joins a shareable donor\'s IPC namespace and /dev/shm; a private donor is refused', async () => {
    assert.equal((await d.docker(['run', '-d', '--name', 'ipcdonor', '--ipc', 'shareable', '--shm-size', '8m', 'busybox', 'sh', '-c', 'echo from-donor > /dev/shm/note; sleep 100'])).code, 0);
    const id = (await d.docker(['inspect', '-f', '{{.Id}}', 'ipcdonor'])).stdout.trim();
    const donorNs = (await d.docker(['exec', 'ipcdonor', 'readlink', '/proc/self/ns/ipc'])).stdout;
    for (let i = 0; i < 50 && (await d.docker(['exec', 'ipcdonor', 'cat', '/dev/shm/note'])).code !== 0; i++) await new Promise((r) => setTimeout(r, 50));
    const joined = await d.docker(['run', '--rm', '--ipc', 'container:ipcdonor', 'busybox', 'sh', '-c', 'cat /dev/shm/note; readlink /proc/self/ns/ipc']);
    assert.equal(joined.code, 0, joined.stderr);
    assert.equal(joined.stdout, `from-donor\n${donorNs}`);
    // The donor's shm is a tmpfs tugd mounted on the host; it goes when the donor stops.
    const shm = `/containers/${id}/mounts/shm`;
    const mounted = () => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4]?.endsWith(shm));
    assert.ok(mounted(), 'shm not mounted on the host');
    assert.equal((await d.docker(['inspect', '-f', '{{.HostConfig.IpcMode}}', 'ipcdonor'])).stdout, 'shareable\n');
    await d.docker(['rm', '-f', 'ipcdonor']);
    assert.ok(!mounted(), 'shm still mounted after rm');

    const privId = (await d.docker(['run', '-d', '--name', 'privdonor', 'busybox', 'sleep', '100'])).stdout.trim();
    assert.equal((await d.docker(['inspect', '-f', '{{.HostConfig.IpcMode}}', 'privdonor'])).stdout, 'private\n');
    const refused = await d.docker(['run', '--name', 'ipcjoiner', '--ipc', 'container:privdonor', 'busybox', 'true']);
    assert.equal(refused.code, 125);
    assert.match(refused.stderr, new RegExp(`^docker: Error response from daemon: failed to join IPC namespace: container ${privId}: non-shareable IPC \\(hint: use IpcMode:shareable for the donor container\\)\n`));
    assert.equal((await d.docker(['inspect', '-f', '{{.HostConfig.IpcMode}}', 'ipcjoiner'])).stdout, `container:${privId}\n`);
    await d.docker(['rm', '-f', 'privdonor', 'ipcjoiner']);
  });

  it('docker exec works in a container that joined another\'s network namespace', async () => {
    assert.equal((await d.docker(['run', '-d', '--name', 'netdonor', 'busybox', 'sleep', '100'])).code, 0);
    assert.equal((await d.docker(['run', '-d', '--name', 'netjoiner', '--network', 'container:netdonor', 'busybox', 'sleep', '100'])).code, 0);
    const r = await d.docker(['exec', 'netjoiner', 'echo', 'exec-ok']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, 'exec-ok\n');
    await d.docker(['rm', '-f', 'netjoiner', 'netdonor']);
  });
});
