// `tug ps` and friends, pure parts: rows as docker/cli's ContainerContext prints them, the
// formats it picks, the --size probe, and the flag plumbing of update and prune.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Command } from 'commander';
import { ExitError } from '../../src/cli/context.js';
import { containerFormat, containerRow, displayablePorts, ellipsis, imageColumn, sizeColumn, truncateID } from '../../src/cli/commands/containers/list-format.js';
import { formatUsesSize, listOptions, renderContainers } from '../../src/cli/commands/containers/list.js';
import { stopTimeout } from '../../src/cli/commands/containers/lifecycle.js';
import { pruneReport, updateConfig } from '../../src/cli/commands/containers/update.js';
import { commitReference, diffLines, exportDestinationError, topTable } from '../../src/cli/commands/containers/filesystem.js';
import { acceptBoolValues, eachContainer, inParallel } from '../../src/cli/commands/containers/batch.js';
import type { ContainerSummary } from '../../src/types/container-views.js';

const ID = '081fb4e4a1918c9ad77985da38d4f2c34656946136c285264e80613aafdad783';
const NOW = Date.parse('2024-05-01T12:00:00Z');

function summary(over: Partial<ContainerSummary> = {}): ContainerSummary {
  return {
    Id: ID, Names: ['/web'], Image: 'busybox', ImageID: `sha256:${'b'.repeat(64)}`, Command: 'sh -c echo hello; echo oops >&2; sleep 1000',
    Created: NOW / 1000 - 90, Ports: [], Labels: { b: '2', a: '1' }, State: 'running', Status: 'Up About a minute', Mounts: [], ...over,
  };
}

describe('ps columns', () => {
  it('truncates IDs to 12 hex digits after any algorithm', () => {
    assert.equal(truncateID(ID), '081fb4e4a191');
    assert.equal(truncateID(`sha256:${ID}`), '081fb4e4a191');
    assert.equal(truncateID('abc'), 'abc');
  });

  it('ellipsizes at 20 cells with "…", counting wide runes twice', () => {
    assert.equal(ellipsis('sh -c echo hello; echo oops', 20), 'sh -c echo hello; e…');
    assert.equal(ellipsis('12345678901234567890', 20), '12345678901234567890');
    assert.equal(ellipsis('日本語日本語日本語日本語', 20), '日本語日本語日本語…');
    assert.equal(ellipsis('abc', 1), 'a');
    assert.equal(ellipsis('abc', 0), '');
  });

  it('quotes the command the way Go quotes strings', () => {
    const row = containerRow(summary({ Command: 'echo "hi"\t\x1b' }), true, NOW);
    assert.equal(row.Command, '"echo \\"hi\\"\\t\\x1b"');
    assert.equal(containerRow(summary(), true, NOW).Command, '"sh -c echo hello; e…"');
    assert.equal(containerRow(summary(), false, NOW).Command, '"sh -c echo hello; echo oops >&2; sleep 1000"');
  });

  it('CREATED is go-units HumanDuration, STATUS is the daemon\'s line', () => {
    const row = containerRow(summary(), true, NOW);
    assert.equal(row.RunningFor, 'About a minute ago');
    assert.equal(containerRow(summary({ Created: NOW / 1000 }), true, NOW).RunningFor, 'Less than a second ago');
    assert.equal(containerRow(summary({ Created: NOW / 1000 - 3 * 3600 }), true, NOW).RunningFor, '3 hours ago');
    assert.equal(row.Status, 'Up About a minute');
    assert.equal(row.CreatedAt, '2024-05-01 11:58:30 +0000 UTC');
  });

  it('names: one primary name when truncating, every name (no slash) otherwise', () => {
    const s = summary({ Names: ['/other/link', '/web', '/x/alias'] });
    assert.equal(containerRow(s, true, NOW).Names, 'web');
    assert.equal(containerRow(s, false, NOW).Names, 'other/link,web,x/alias');
  });

  it('image: short ID for an ID, the familiar name without digest when truncating', () => {
    const img = `sha256:${'c'.repeat(64)}`;
    assert.equal(imageColumn(img, img, true), 'c'.repeat(12));
    assert.equal(imageColumn(img, img, false), img);
    assert.equal(imageColumn('docker.io/library/busybox:1.36', 'sha256:x', true), 'busybox:1.36');
    assert.equal(imageColumn(`busybox:1.36@sha256:${'d'.repeat(64)}`, 'sha256:x', true), 'busybox:1.36');
    assert.equal(imageColumn(`busybox@sha256:${'d'.repeat(64)}`, 'sha256:x', true), 'busybox');
    assert.equal(imageColumn('Not A Ref', 'sha256:x', true), 'Not A Ref');
    assert.equal(imageColumn('', 'sha256:x', true), '<no image>');
  });

  it('ports: consecutive ports grouped, published ones as host->container, host mappings last', () => {
    assert.equal(displayablePorts([
      { PrivatePort: 8001, Type: 'tcp' }, { PrivatePort: 8000, Type: 'tcp' }, { PrivatePort: 53, Type: 'udp' },
      { IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }, { IP: '::', PrivatePort: 90, PublicPort: 90, Type: 'tcp' },
      { IP: '::', PrivatePort: 91, PublicPort: 91, Type: 'tcp' },
    ]), '53/udp, [::]:90-91->90-91/tcp, 8000-8001/tcp, 0.0.0.0:8080->80/tcp');
    assert.equal(displayablePorts([{ PrivatePort: 1, Type: 'tcp' }, { PrivatePort: 3, Type: 'tcp' }]), '1/tcp, 3/tcp');
    assert.equal(displayablePorts(null), '');
  });

  it('size: "0B (virtual 4.26MB)", the virtual part only when known', () => {
    assert.equal(sizeColumn(0, 4_260_000), '0B (virtual 4.26MB)');
    assert.equal(sizeColumn(2, 0), '2B');
    assert.equal(sizeColumn(undefined, undefined), '0B');
  });

  it('labels sorted, Label "key" a method that {{json .}} leaves out', () => {
    const row = containerRow(summary(), true, NOW);
    assert.equal(row.Labels, 'a=1,b=2');
    assert.equal(row.Label('a'), '1');
    assert.equal(renderContainers([summary()], '{{.Label "b"}}', false, false, true, NOW), '2\n');
    const json = JSON.parse(renderContainers([summary()], '{{json .}}', false, false, true, NOW)) as Record<string, unknown>;
    assert.deepEqual(Object.keys(json), ['Command', 'CreatedAt', 'ID', 'Image', 'Labels', 'LocalVolumes', 'Mounts', 'Names', 'Networks', 'Platform', 'Ports', 'RunningFor', 'Size', 'State', 'Status']);
  });
});

describe('ps formats', () => {
  it('the default table, with SIZE when -s, and IDs alone with -q', () => {
    const out = renderContainers([summary()], '', false, false, true, NOW);
    assert.equal(out, [
      'CONTAINER ID   IMAGE     COMMAND                  CREATED              STATUS              PORTS     NAMES',
      '081fb4e4a191   busybox   "sh -c echo hello; e…"   About a minute ago   Up About a minute             web',
      '',
    ].join('\n'));
    assert.match(renderContainers([summary({ SizeRw: 0, SizeRootFs: 2_130_000 })], 'table', false, true, true, NOW), /NAMES {5}SIZE\n.*web {7}0B \(virtual 2.13MB\)\n$/);
    assert.equal(renderContainers([summary()], '{{.Names}}', true, false, true, NOW), '081fb4e4a191\n');
    assert.equal(renderContainers([summary()], 'table', true, false, false, NOW), `${ID}\n`);
  });

  it('picks docker\'s formats: table, raw, custom', () => {
    assert.equal(containerFormat('raw', true, false), 'container_id: {{.ID}}');
    assert.match(containerFormat('raw', false, true), /^container_id: \{\{\.ID\}\}\n.*size: \{\{\.Size\}\}\\n$/s);
    assert.equal(containerFormat('{{.ID}}', false, true), '{{.ID}}');
    assert.match(containerFormat('', false, true), /\{\{\.Names\}\}\\t\{\{\.Size\}\}$/);
  });

  it('asks for sizes when the template reads .Size, unless --size was given', () => {
    assert.equal(formatUsesSize('{{.Size}}'), true);
    assert.equal(formatUsesSize('{{json .}}'), true);
    assert.equal(formatUsesSize('json'), false);
    assert.equal(formatUsesSize('table {{.ID}}'), false);
    assert.equal(listOptions({ format: 'table {{.Size}}' }, -1, false).size, true);
    assert.equal(listOptions({ format: 'table {{.Size}}', size: false }, -1, true).size, false);
    assert.equal(listOptions({ format: '{{.Size}}', quiet: true }, -1, false).size, false);
  });

  it('-l means one container unless -n says otherwise; filters become the API map', () => {
    assert.equal(listOptions({ latest: true }, -1, false).limit, 1);
    assert.equal(listOptions({ latest: true }, 3, false).limit, 3);
    assert.deepEqual(listOptions({ filter: ['status=exited', 'label=a=b', 'status=created'] }, -1, false).filters, { status: ['exited', 'created'], label: ['a=b'] });
  });

  it('refuses a template that does not parse, with docker\'s words', () => {
    assert.throws(() => listOptions({ format: '{{.ID' }, -1, false), (err: unknown) => err instanceof ExitError && /^failed to parse template: template: /.test(err.message));
  });
});

describe('container verbs plumbing', () => {
  it('runs at most 50 at once and keeps the order of the names', async () => {
    let running = 0;
    let peak = 0;
    const names = Array.from({ length: 120 }, (_, i) => `c${i}`);
    const results = await inParallel(names, async (n) => {
      peak = Math.max(peak, ++running);
      await new Promise((r) => setTimeout(r, Number(n.slice(1)) % 3));
      running--;
      if (n === 'c7') throw new Error('no');
      return n;
    });
    assert.equal(peak, 50);
    assert.deepEqual(results.map((r) => (r.status === 'fulfilled' ? r.value : 'x')), names.map((n) => (n === 'c7' ? 'x' : n)));
  });

  it('echoes names that worked, then ends with the errors', async () => {
    const written: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((s: string) => { written.push(s); return true; }) as typeof process.stdout.write;
    try {
      await assert.rejects(eachContainer(['a', 'b', 'c'], async (n) => {
        if (n !== 'b') throw new ExitError(1, `bad ${n}`);
      }), (err: unknown) => err instanceof ExitError && err.status === 1 && err.message === 'bad a\nbad c');
    } finally {
      process.stdout.write = write;
    }
    assert.deepEqual(written, ['b\n']);
  });

  it('-t is an int as pflag reads it; --time conflicts with --timeout', () => {
    const cmd = new Command('stop');
    assert.equal(stopTimeout({ timeout: '0x10' }, cmd), 16);
    assert.equal(stopTimeout({}, cmd), undefined);
    assert.throws(() => stopTimeout({ timeout: 'x' }, cmd), (err: unknown) => err instanceof ExitError && err.status === 125
      && err.message === 'invalid argument "x" for "-t, --timeout" flag: strconv.ParseInt: parsing "x": invalid syntax\n\nUsage:  stop\n\nRun \'stop --help\' for more information\n');
  });

  it('accepts pflag\'s --flag=false for boolean flags, skipping flag values', () => {
    const cmd = new Command('commit').argument('<c>').argument('[r]').option('-a, --author <s>').option('-p, --pause', 'pause', true).exitOverride();
    acceptBoolValues(cmd);
    cmd.parse(['-a', 'me', '--pause=false', 'ctr'], { from: 'user' });
    assert.deepEqual([cmd.opts().pause, cmd.opts().author, cmd.args], [false, 'me', ['ctr']]);
    const again = new Command('ps').option('-s, --size').exitOverride();
    acceptBoolValues(again);
    again.parse(['-s=true'], { from: 'user' });
    assert.equal(again.opts().size, true);
    assert.throws(() => again.parse(['--size=maybe'], { from: 'user' }), (err: unknown) => err instanceof ExitError && err.status === 125
      && err.message.startsWith('invalid argument "maybe" for "-s, --size" flag: strconv.ParseBool: parsing "maybe": invalid syntax'));
  });
});

describe('update and prune', () => {
  it('builds docker\'s Resources body, every field in Go\'s order', () => {
    const body = updateConfig({ memory: '64m', memorySwap: '-1', cpus: '1.5', cpuShares: '10', pidsLimit: '5', restart: 'on-failure:3', cpusetCpus: '0' });
    assert.equal(JSON.stringify(body), '{"CpuShares":10,"Memory":67108864,"NanoCpus":1500000000,"CgroupParent":"","BlkioWeight":0,"BlkioWeightDevice":null,'
      + '"BlkioDeviceReadBps":null,"BlkioDeviceWriteBps":null,"BlkioDeviceReadIOps":null,"BlkioDeviceWriteIOps":null,"CpuPeriod":0,"CpuQuota":0,'
      + '"CpuRealtimePeriod":0,"CpuRealtimeRuntime":0,"CpusetCpus":"0","CpusetMems":"","Devices":null,"DeviceCgroupRules":null,"DeviceRequests":null,'
      + '"MemoryReservation":0,"MemorySwap":-1,"MemorySwappiness":null,"OomKillDisable":null,"PidsLimit":5,"Ulimits":null,"CpuCount":0,"CpuPercent":0,'
      + '"IOMaximumIOps":0,"IOMaximumBandwidth":0,"RestartPolicy":{"Name":"on-failure","MaximumRetryCount":3}}');
    assert.equal(updateConfig({ blkioWeight: '100' }).PidsLimit, null);
    assert.deepEqual(updateConfig({ blkioWeight: '100' }).RestartPolicy, { Name: '', MaximumRetryCount: 0 });
  });

  it('refuses bad values with pflag\'s words (125) and bad policies with docker\'s (1)', () => {
    assert.throws(() => updateConfig({ memory: '10x' }), { message: 'invalid argument "10x" for "-m, --memory" flag: invalid suffix: \'x\'' });
    assert.throws(() => updateConfig({ blkioWeight: '70000' }), { message: 'invalid argument "70000" for "--blkio-weight" flag: strconv.ParseUint: parsing "70000": value out of range' });
    assert.throws(() => updateConfig({ cpus: 'x' }), { message: 'invalid argument "x" for "--cpus" flag: failed to parse x as a rational number' });
    assert.throws(() => updateConfig({ restart: 'foo:x' }), (err: unknown) => err instanceof ExitError && err.status === 1
      && err.message === 'invalid restart policy format: maximum retry count must be an integer');
  });

  it('prints the prune report as docker does', () => {
    assert.equal(pruneReport(null, 123), 'Total reclaimed space: 0B\n');
    assert.equal(pruneReport(['a', 'b'], 2_746_000), 'Deleted Containers:\na\nb\n\nTotal reclaimed space: 2.746MB\n');
  });
});

describe('top, diff, commit, export', () => {
  it('top is a tabwriter table with 20-cell minimum columns', () => {
    assert.equal(topTable(['UID', 'PID', 'CMD'], [['root', '1', 'sleep 1000']]), 'UID                 PID                 CMD\nroot                1                   sleep 1000\n');
  });

  it('diff prints A, C and D lines', () => {
    assert.equal(diffLines([{ Kind: 1, Path: '/new' }, { Kind: 0, Path: '/etc' }, { Kind: 2, Path: '/gone' }]), 'A /new\nC /etc\nD /gone\n');
  });

  it('commit normalizes the reference and refuses digests', () => {
    assert.deepEqual(commitReference('repo/x:t'), { repo: 'docker.io/repo/x', tag: 't' });
    assert.deepEqual(commitReference('busybox'), { repo: 'docker.io/library/busybox', tag: 'latest' });
    assert.deepEqual(commitReference(''), { repo: '', tag: '' });
    assert.throws(() => commitReference(`busybox@sha256:${'a'.repeat(64)}`), { message: 'refusing to create a tag with a digest reference' });
    assert.throws(() => commitReference('Bad:Ref!'), { message: /invalid reference format/ });
  });

  it('export -o checks its destination as atomicwriter does', () => {
    assert.equal(exportDestinationError('/nonexistent-dir/x.tar'), 'invalid output path: stat /nonexistent-dir: no such file or directory');
    assert.equal(exportDestinationError('/tmp'), 'cannot write to a directory');
    assert.equal(exportDestinationError('/dev/null'), 'cannot write to a character device file');
    assert.equal(exportDestinationError('/tmp/tug-export-test-missing.tar'), undefined);
    assert.equal(exportDestinationError(''), 'file name is empty');
  });
});
