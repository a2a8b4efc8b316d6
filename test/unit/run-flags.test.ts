// `docker run`/`docker create` flags → ContainerCreate body. Expected bodies and error texts
// were taken from docker CLI 28.2.2 (API 1.50) sending its request to a recording endpoint;
// the daemon-side checks (binds, mounts, restart policy, --cpus conflicts) from moby v28.2.2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Command, CommanderError } from 'commander';
import { isTugError } from '../../src/errors.js';
import { FlagValueError, addRunFlags, fromFlags, parseGoDuration, type RunEnvironment, type RunOptions } from '../../src/cli/run/index.js';
import { readCSVRecord } from '../../src/cli/run/csv.js';
import { compactJSON } from '../../src/cli/run/jsoncompact.js';
import { parseMount, validateMount } from '../../src/cli/run/mounts.js';
import { formatIP, parseIP } from '../../src/cli/run/netaddr.js';
import { parsePublish } from '../../src/cli/run/ports.js';
import { parseBind, parseVolumeSpec, splitVolumes } from '../../src/cli/run/volumes.js';

const files: Record<string, string> = {
  'a.env': '# comment\n\n  A=1\nHOMEVAR\nNOTSET\nC=x y \r\nD=a=b\n',
  'b.env': '\uFEFFA=2\n',
  'bad1.env': '=bad\n',
  'bad2.env': 'export D=2\n',
  'l.txt': 'l1=v\n# c\nbare\n',
  '/p/sec.json': '{ "defaultAction": "SCMP_ACT_ALLOW",\n  "syscalls": [] }\n',
  '/p/bad.json': '{bad',
};
const env: RunEnvironment = {
  cwd: '/work/dir',
  hostEnv: { FOO: 'bar', HOMEVAR: 'hv' },
  arch: 'amd64',
  readFile(path) {
    if (path in files) return files[path];
    throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
  },
};

function command(verb: 'run' | 'create'): Command {
  return addRunFlags(new Command(verb), verb).passThroughOptions().argument('<IMAGE>').argument('[COMMAND...]')
    .exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
}

function run(argv: string[], verb: 'run' | 'create' = 'create'): RunOptions {
  const cmd = command(verb);
  cmd.parse(argv, { from: 'user' });
  return fromFlags(cmd.opts(), cmd.args[0], cmd.args.slice(1), env);
}

function fails(argv: string[], message: string, verb: 'run' | 'create' = 'create'): void {
  assert.throws(() => run(argv, verb), (err: unknown) => {
    assert.ok(isTugError(err, 'InvalidParameter'), `${argv.join(' ')}: expected InvalidParameter, got ${String(err)}`);
    assert.equal(err.message, message, argv.join(' '));
    return true;
  });
}

// Compares the keys given (at the top and in HostConfig) with the body for argv.
type Partial = Record<string, unknown> & { HostConfig?: Record<string, unknown> };
function like(argv: string[], want: Partial, verb: 'run' | 'create' = 'create'): void {
  const body = run([...argv, 'busybox'], verb).body as Record<string, unknown>;
  for (const [k, v] of Object.entries(want)) {
    if (k === 'HostConfig') {
      for (const [hk, hv] of Object.entries(v as object)) assert.deepEqual((body.HostConfig as Record<string, unknown>)[hk], hv, `${argv.join(' ')}: HostConfig.${hk}`);
    } else {
      assert.deepEqual(body[k], v, `${argv.join(' ')}: ${k}`);
    }
  }
}

test('the default body is what docker create busybox sends', () => {
  assert.deepEqual(run(['busybox']).body, {
    AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, OpenStdin: false, StdinOnce: false,
    Image: 'busybox', Volumes: {}, Labels: {},
    HostConfig: {
      LogConfig: { Config: {} }, NetworkMode: 'default', PortBindings: {}, RestartPolicy: { Name: 'no' }, ConsoleSize: [0, 0],
      Dns: [], DnsOptions: [], DnsSearch: [], BlkioWeightDevice: [], BlkioDeviceReadBps: [], BlkioDeviceWriteBps: [],
      BlkioDeviceReadIOps: [], BlkioDeviceWriteIOps: [], Devices: [], MemorySwappiness: -1, OomKillDisable: false, PidsLimit: 0, Ulimits: [],
    },
    NetworkingConfig: { EndpointsConfig: { default: {} } },
  });
  const o = run(['busybox']);
  assert.deepEqual({ pull: o.pull, quiet: o.quiet, detach: o.detach, sigProxy: o.sigProxy, warnings: o.warnings, name: o.name, platform: o.platform },
    { pull: 'missing', quiet: false, detach: false, sigProxy: true, warnings: [], name: undefined, platform: undefined });
});

test('commander round trip: flags stop at the image', () => {
  const o = run(['-it', '--rm', '-e', 'A=1', '-p', '8080:80', 'busybox', 'sh', '-c', 'echo -e x'], 'run');
  assert.equal(o.image, 'busybox');
  assert.deepEqual(o.body.Cmd, ['sh', '-c', 'echo -e x']);
  assert.deepEqual([o.body.Tty, o.body.OpenStdin, o.body.AttachStdin, o.body.StdinOnce, o.body.HostConfig?.AutoRemove], [true, true, true, true, true]);
  assert.deepEqual(o.body.Env, ['A=1']);
  assert.deepEqual(o.body.ExposedPorts, { '80/tcp': {} });
  assert.deepEqual(o.body.HostConfig?.PortBindings, { '80/tcp': [{ HostPort: '8080' }] });
  const after = run(['busybox', '--rm', '-e', 'X']);
  assert.deepEqual([after.body.Cmd, after.body.HostConfig?.AutoRemove, after.body.Env], [['--rm', '-e', 'X'], undefined, undefined]);
  assert.deepEqual(run(['--', 'busybox', 'x']).body.Cmd, ['x']);
});

test('pflag syntax: bool values, "=" after a shorthand, shorthand groups, aliases', () => {
  like(['--rm=false', '--rm'], { HostConfig: { AutoRemove: true } });
  like(['--rm', '--rm=false', '--privileged=1', '--read-only=T'], { HostConfig: { AutoRemove: undefined, Privileged: true, ReadonlyRootfs: true } });
  like(['-i=false', '-t=true'], { OpenStdin: false, Tty: true });
  like(['-e=A=1', '-eB=2', '-e', 'C'], { Env: ['A=1', 'B=2', 'C'] });
  like(['-itp8080:80'], { Tty: true, OpenStdin: true, HostConfig: { PortBindings: { '80/tcp': [{ HostPort: '8080' }] } } });
  like(['-uroot', '-hfoo', '-w=/x', '--user=u:g', '--name=n'], { User: 'u:g', Hostname: 'foo', WorkingDir: '/x' });
  like(['--net', 'a', '--network', 'b', '--net-alias', 'x', '--network-alias', 'y', '--dns-opt', 'o1', '--dns-option', 'o2'], {
    HostConfig: { NetworkMode: 'a', DnsOptions: ['o1', 'o2'] },
    NetworkingConfig: { EndpointsConfig: { a: { Aliases: ['x', 'y'] }, b: {} } },
  });
  like(['--no-healthcheck=false'], { Healthcheck: undefined });
  like(['--init=false'], { HostConfig: { Init: false } });
  assert.equal(run(['--sig-proxy=false', 'busybox'], 'run').sigProxy, false);
  assert.equal(run(['-d=true', 'busybox'], 'run').detach, true);
  assert.throws(() => run(['--rm=yes', 'busybox']), (err: unknown) => err instanceof CommanderError && err.code === 'commander.invalidArgument' &&
    err.message === 'invalid argument "yes" for "--rm" flag: strconv.ParseBool: parsing "yes": invalid syntax');
  assert.throws(() => run(['-t=maybe', 'busybox']), (err: unknown) => err instanceof CommanderError &&
    err.message === 'invalid argument "maybe" for "-t, --tty" flag: strconv.ParseBool: parsing "maybe": invalid syntax');
});

test('help: --help without -h (which is --hostname); run-only flags only on run', () => {
  const help = command('run').helpInformation();
  assert.match(help, /-h, --hostname <string>\s+Container host name/);
  assert.match(help, /--help\s+Print usage/);
  assert.match(help, /-d, --detach/);
  assert.doesNotMatch(help, /--net </);
  assert.doesNotMatch(help, /--no-rm/);
  const create = command('create');
  assert.doesNotMatch(create.helpInformation(), /--detach|--sig-proxy|--detach-keys/);
  assert.match(create.helpInformation(), /Pull image before creating/);
  assert.throws(() => create.parse(['-d', 'busybox'], { from: 'user' }), (err: unknown) => err instanceof CommanderError && err.code === 'commander.unknownOption');
  assert.throws(() => command('run').parse(['--rm', '--help', 'busybox'], { from: 'user' }), (err: unknown) => err instanceof CommanderError && err.code === 'commander.helpDisplayed');
  assert.deepEqual(run(['busybox', '--help']).body.Cmd, ['--help']);
  assert.deepEqual(run(['-h', 'box', 'busybox']).body.Hostname, 'box');
});

test('attach, interactive, tty and detach', () => {
  like(['-i'], { AttachStdin: true, AttachStdout: true, AttachStderr: true, OpenStdin: true, StdinOnce: true });
  like(['-t'], { Tty: true, AttachStdin: false });
  like(['-a', 'stdin'], { AttachStdin: true, AttachStdout: false, AttachStderr: false });
  like(['-a', 'STDOUT', '-a', 'stderr'], { AttachStdin: false, AttachStdout: true, AttachStderr: true });
  like(['-a', 'stdin', '-i'], { AttachStdin: true, AttachStdout: false, OpenStdin: true, StdinOnce: true });
  like(['-d'], { AttachStdin: false, AttachStdout: false, AttachStderr: false, StdinOnce: false }, 'run');
  like(['-d', '-it'], { AttachStdin: false, AttachStdout: false, Tty: true, OpenStdin: true, StdinOnce: false }, 'run');
  fails(['-d', '-a', 'stdout', 'busybox'], 'conflicting options: cannot specify both --attach and --detach', 'run');
  fails(['-a', 'foo', 'busybox'], 'invalid argument "foo" for "-a, --attach" flag: valid streams are STDIN, STDOUT and STDERR');
});

test('environment: -e, --env-file, the client environment', () => {
  like(['-e', 'FOO', '-e', 'NOPE', '-e', 'A=1', '-e', 'A=2', '-e', 'B='], { Env: ['FOO=bar', 'NOPE', 'A=2', 'B='] });
  like(['--env-file', 'a.env', '-e', 'A=3'], { Env: ['A=1', 'HOMEVAR=hv', 'C=x y ', 'D=a=b', 'A=3'] });
  like(['--env-file', 'b.env', '--env-file', 'a.env'], { Env: ['A=2', 'A=1', 'HOMEVAR=hv', 'C=x y ', 'D=a=b'] });
  fails(['-e', '=a', 'busybox'], 'invalid argument "=a" for "-e, --env" flag: invalid environment variable: =a');
  fails(['--env-file', 'bad1.env', 'busybox'], "invalid env file (bad1.env): no variable name on line '=bad'");
  fails(['--env-file', 'bad2.env', 'busybox'], "invalid env file (bad2.env): variable 'export D' contains whitespaces");
  fails(['--env-file', 'nope.env', 'busybox'], 'open nope.env: no such file or directory');
});

test('labels and annotations', () => {
  like(['--label', 'a=b', '-l', 'c', '-l', 'd=e f', '-l', ' g=1', '-l', 'a=b=c'], { Labels: { a: 'b=c', c: '', 'd': 'e f', ' g': '1' } });
  like(['--label-file', 'l.txt', '-l', 'l1=w'], { Labels: { l1: 'w' } });
  like(['--annotation', 'a=b', '--annotation', 'c'], { HostConfig: { Annotations: { a: 'b', c: '' } } });
  fails(['-l', '', 'busybox'], `invalid argument "" for "-l, --label" flag: invalid label '': empty name`);
  fails(['-l', 'a b=c', 'busybox'], `invalid argument "a b=c" for "-l, --label" flag: label 'a b' contains whitespaces`);
  fails(['--annotation', '=x', 'busybox'], 'invalid Annotations: the empty string is not permitted as an annotation key');
});

test('-p/--publish, -P and --expose', () => {
  const table: Array<[string[], Record<string, unknown>, Record<string, unknown>]> = [
    [['-p', '8080:80'], { '80/tcp': {} }, { '80/tcp': [{ HostPort: '8080' }] }],
    [['-p', '127.0.0.1:8080:80/udp'], { '80/udp': {} }, { '80/udp': [{ HostIp: '127.0.0.1', HostPort: '8080' }] }],
    [['-p', '80'], { '80/tcp': {} }, { '80/tcp': [{}] }],
    [['-p', '8000-8002:8000-8002'], { '8000/tcp': {}, '8001/tcp': {}, '8002/tcp': {} },
      { '8000/tcp': [{ HostPort: '8000' }], '8001/tcp': [{ HostPort: '8001' }], '8002/tcp': [{ HostPort: '8002' }] }],
    [['-p', '[::1]:80:80'], { '80/tcp': {} }, { '80/tcp': [{ HostIp: '::1', HostPort: '80' }] }],
    [['-p', '::1:80:80'], { '80/tcp': {} }, { '80/tcp': [{ HostIp: '::1', HostPort: '80' }] }],
    [['-p', '8000-8002:80'], { '80/tcp': {} }, { '80/tcp': [{ HostPort: '8000-8002' }] }],
    [['-p', '127.0.0.1::80'], { '80/tcp': {} }, { '80/tcp': [{ HostIp: '127.0.0.1' }] }],
    [['-p', ':80', '-p', '80/TCP'], { '80/tcp': {} }, { '80/tcp': [{}, {}] }],
    [['-p', '80/udp', '-p', '81:80/udp'], { '80/udp': {} }, { '80/udp': [{}, { HostPort: '81' }] }],
    [['-p', 'published=8080,target=80,protocol=udp,mode=host'], { '80/udp': {} }, { '80/udp': [{ HostPort: '8080' }] }],
    [['-p', '080', '-p', '65535'], { '80/tcp': {}, '65535/tcp': {} }, { '80/tcp': [{}], '65535/tcp': [{}] }],
    [['-P', '--expose', '90-91/udp', '--expose', '93', '--expose', '1-2-3', '--expose', '80/foo'],
      { '90/udp': {}, '91/udp': {}, '93/tcp': {}, '1/tcp': {}, '2/tcp': {}, '80/foo': {} }, {}],
  ];
  for (const [argv, exposed, bindings] of table) like(argv, { ExposedPorts: exposed, HostConfig: { PortBindings: bindings } });
  like(['-P'], { HostConfig: { PublishAllPorts: true } });
  const errors: Array<[string, string, string?]> = [
    ['-p', 'invalid containerPort: foo', 'foo'],
    ['-p', 'invalid ranges specified for container and host Ports: 1-3 and 1-2', '1-2:1-3'],
    ['-p', 'invalid proto: foo', '80/foo'],
    ['-p', 'invalid IP address: 1.2.3', '1.2.3:80:80'],
    ['-p', "invalid IP address [::1: address [::1:: missing ']' in address", '[::1:80:80'],
    ['-p', 'no port specified: 80:<empty>', '80:'],
    ['-p', 'no port specified: <empty>', ''],
    ['-p', 'invalid containerPort: 70000', '70000'],
    ['-p', 'invalid containerPort: 5-3', '5-3'],
    ['-p', 'invalid containerPort: +80', '+80'],
    ['-p', 'invalid hostPort: x', 'x:80'],
    ['-p', 'invalid IP address: a:b:c:d', 'a:b:c:d:80:80'],
    ['-p', 'no port specified: 80:/tcp<empty>', 'published=80'],
    ['-p', "invalid publish opts format (should be name=value but got 'targ')", 'published=80,targ'],
    ['--expose', 'invalid port format for --expose: 80:90', '80:90'],
    ['--expose', 'invalid range format for --expose: , error: empty string specified for ports', ''],
    ['--expose', 'invalid range format for --expose: 80-, error: strconv.ParseUint: parsing "": invalid syntax', '80-'],
  ];
  for (const [flag, message, value] of errors) fails([flag, value ?? '', 'busybox'], message);
});

test('-v/--volume: binds, named and anonymous volumes', () => {
  like(['-v', 'name:/path', '-v', '/host:/path2:ro', '-v', '/anon', '-v', '/host:/path2:ro'], { Volumes: { '/anon': {} }, HostConfig: { Binds: ['name:/path', '/host:/path2:ro'] } });
  like(['-v', './rel:/p', '-v', '../up:/q', '-v', 'name:/n:nocopy,rw', '-v', '/h:/z:z,shared'], { HostConfig: { Binds: ['/work/dir/rel:/p', '/work/up:/q', 'name:/n:nocopy,rw', '/h:/z:z,shared'] } });
  // A one-letter first section reads as a Windows drive: these are anonymous volumes.
  like(['-v', 'a', '-v', 'a:b', '-v', 'x:/y'], { Volumes: { a: {}, 'a:b': {}, 'x:/y': {} } });
  like(['--volume-driver', 'foo', '--volumes-from', 'c1', '--volumes-from', 'c2:ro'], { HostConfig: { VolumeDriver: 'foo', VolumesFrom: ['c1', 'c2:ro'] } });
  const errors: Array<[string, string]> = [
    ['', 'invalid empty volume spec'],
    ['/a:/b:', 'invalid spec: /a:/b:: empty section between colons'],
    [':/b', 'invalid spec: :/b: empty section between colons'],
    ['ab:/c:ro:x', 'invalid spec: ab:/c:ro:x: too many colons'],
    ['/foo:rw', "invalid volume specification: '/foo:rw'"],
    ['/a:/b:c:d', "invalid volume specification: '/a:/b:c:d'"],
    ['/a:/b:xx', 'invalid mode: xx'],
    ['/a:/b:ro,rw', 'invalid mode: ro,rw'],
    ['name:rel', `invalid volume specification: 'name:rel': invalid mount config for type "volume": invalid mount path: 'rel' mount path must be absolute`],
    ['name:/', `invalid volume specification: 'name:/': invalid mount config for type "volume": invalid specification: destination can't be '/'`],
    ['/a:/b:nocopy', `invalid volume specification: '/a:/b:nocopy': invalid mount config for type "bind": field VolumeOptions must not be specified`],
    ['v:/b:shared', `invalid volume specification: 'v:/b:shared': invalid mount config for type "volume": field BindOptions must not be specified`],
  ];
  for (const [spec, message] of errors) fails(['-v', spec, 'busybox'], message);
  assert.deepEqual(parseVolumeSpec('C:/foo:/bar'), { type: 'bind', source: 'C:/foo', target: '/bar' });
  assert.deepEqual(parseBind('/a:/b:ro,rslave'), { Source: '/a', Target: '/b', Type: 'bind', ReadOnly: true, BindOptions: { Propagation: 'rslave' } });
  assert.deepEqual(parseBind('v:/b:nocopy', 'drv'), { Source: 'v', Target: '/b', Type: 'volume', ReadOnly: false, VolumeOptions: { DriverConfig: { Name: 'drv' }, NoCopy: true } });
});

test('--mount', () => {
  const table: Array<[string, unknown]> = [
    ['type=bind,src=/a,dst=/b', { Type: 'bind', Source: '/a', Target: '/b' }],
    ['type=bind,source=./x,target=/b,readonly', { Type: 'bind', Source: '/work/dir/x', Target: '/b', ReadOnly: true }],
    ['src=vol,dst=/b,volume-nocopy,volume-opt=type=nfs,volume-opt=o=addr=1.2.3.4,volume-label=a=b,volume-driver=local',
      { Type: 'volume', Source: 'vol', Target: '/b', VolumeOptions: { NoCopy: true, Labels: { a: 'b' }, DriverConfig: { Name: 'local', Options: { type: 'nfs', o: 'addr=1.2.3.4' } } } }],
    ['dst=/b,volume-nocopy', { Type: 'volume', Target: '/b', VolumeOptions: { NoCopy: true, DriverConfig: {} } }],
    ['type=tmpfs,dst=/t,tmpfs-size=64m,tmpfs-mode=1770', { Type: 'tmpfs', Target: '/t', TmpfsOptions: { SizeBytes: 67108864, Mode: 0o1770 } }],
    ['type=bind,"src=/a,b",dst=/c', { Type: 'bind', Source: '/a,b', Target: '/c' }],
    ['type=bind,src=/a,dst=/b,bind-propagation=rshared,ro=false', { Type: 'bind', Source: '/a', Target: '/b', ReadOnly: false, BindOptions: { Propagation: 'rshared' } }],
    ['Type=BIND,Src=/a,DST=/b', { Type: 'bind', Source: '/a', Target: '/b' }],
    ['type=bind,src=/a,dst=/b,bind-recursive=disabled', { Type: 'bind', Source: '/a', Target: '/b', BindOptions: { NonRecursive: true } }],
    ['type=image,src=alpine,dst=/b,image-subpath=x', { Type: 'image', Source: 'alpine', Target: '/b', ImageOptions: { Subpath: 'x' } }],
    ['dst=/b,consistency=Cached', { Type: 'volume', Target: '/b', Consistency: 'cached' }],
  ];
  for (const [value, mount] of table) like(['--mount', value], { HostConfig: { Mounts: [mount] } });
  const flagErrors: Array<[string, string]> = [
    ['type=bind', 'target is required'],
    ['type=,dst=/b', 'type is required'],
    ['type=volume,dst=/b,bind-propagation=shared', "cannot mix 'bind-*' options with mount type 'volume'"],
    ['dst=/b,bind-nonrecursive', "cannot mix 'bind-*' options with mount type 'volume'"],
    ['dst=/b,foo=bar', "unexpected key 'foo' in 'foo=bar'"],
    ['dst=/b,foo', "invalid field 'foo' must be a key=value pair"],
    ['dst=/b,ro=maybe', 'invalid value for ro: maybe'],
    ['dst=/b,tmpfs-mode=9', 'invalid value for tmpfs-mode: 9'],
    ['type=tmpfs,dst=/b,tmpfs-size=1x', 'invalid value for tmpfs-size: 1x'],
    ['', 'EOF'],
    ['a"b', 'parse error on line 1, column 2: bare " in non-quoted-field'],
    ['"ab', 'parse error on line 1, column 4: extraneous or missing " in quoted-field'],
    ['type=bind,src=/a,dst=/b,bind-recursive=readonly,ro', "option 'bind-recursive=readonly' requires 'bind-propagation=rprivate' to be specified in conjunction"],
    ['type=bind,src=/a,dst=/b,bind-recursive=writable', "option 'bind-recursive=writable' requires 'readonly' to be specified in conjunction"],
    ['type=bind,src=/a,dst=/b,bind-recursive=x', 'invalid value for bind-recursive: x (must be "enabled", "disabled", "writable", or "readonly")'],
  ];
  for (const [value, why] of flagErrors) fails(['--mount', value, 'busybox'], `invalid argument ${JSON.stringify(value)} for "--mount" flag: ${why}`);
  // What the daemon refuses, refused before sending.
  const daemonErrors: Array<[string, string]> = [
    ['type=bind,src=/a,dst=/b,bind-propagation=foo', 'invalid mount config for type "bind": invalid propagation mode: foo'],
    ['type=tmpfs,src=/x,dst=/b', 'invalid mount config for type "tmpfs": field Source must not be specified'],
    ['type=foo,dst=/b', 'invalid mount config for type "foo": mount type unknown'],
    ['type=volume,dst=/b,ro', 'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes'],
    ['type=volume,src=v,dst=b', `invalid mount config for type "volume": invalid mount path: 'b' mount path must be absolute`],
    ['type=bind,dst=/b', 'invalid mount config for type "bind": field Source must not be empty'],
    ['type=volume,src=v,dst=/d,volume-subpath=../x', 'invalid mount config for type "volume": subpath must be a relative path within the volume'],
  ];
  for (const [value, message] of daemonErrors) fails(['--mount', value, 'busybox'], message);
});

test('--tmpfs, --security-opt', () => {
  like(['--tmpfs', '/run:rw,size=64m', '--tmpfs', '/x', '--tmpfs', '/run:exec'], { HostConfig: { Tmpfs: { '/run': 'exec', '/x': '' } } });
  const opts = ['no-new-privileges', 'no-new-privileges:true', 'no-new-privileges=false', 'seccomp=unconfined', 'seccomp:unconfined', 'seccomp=builtin', 'label=user:U', 'apparmor=p', 'label:disable'];
  like(opts.flatMap((o) => ['--security-opt', o]), { HostConfig: { SecurityOpt: opts } });
  like(['--security-opt', 'seccomp=/p/sec.json'], { HostConfig: { SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[]}'] } });
  like(['--security-opt', 'systempaths=unconfined'], { HostConfig: { SecurityOpt: [], MaskedPaths: [], ReadonlyPaths: [] } });
  fails(['--security-opt', 'seccomp=/p/bad.json', 'busybox'], "compacting json for seccomp profile (/p/bad.json) failed: invalid character 'b' looking for beginning of object key string");
  fails(['--security-opt', 'seccomp=/nonexist.json', 'busybox'], 'opening seccomp profile (/nonexist.json) failed: open /nonexist.json: no such file or directory');
  fails(['--security-opt', 'foo', 'busybox'], 'Invalid --security-opt: "foo"');
  fails(['--security-opt', 'foo=', 'busybox'], 'Invalid --security-opt: "foo="');
});

test('healthcheck flags', () => {
  like(['--health-cmd', 'curl x', '--health-interval', '1m30s', '--health-timeout', '500ms', '--health-retries', '3', '--health-start-period', '1h', '--health-start-interval', '2s'],
    { Healthcheck: { Test: ['CMD-SHELL', 'curl x'], Interval: 90e9, Timeout: 500e6, StartPeriod: 3600e9, StartInterval: 2e9, Retries: 3 } });
  like(['--no-healthcheck'], { Healthcheck: { Test: ['NONE'] } });
  like(['--health-retries', '0', '--no-healthcheck'], { Healthcheck: { Test: ['NONE'] } });
  like(['--health-timeout', '1.5h', '--health-interval', '0s', '--health-cmd', ''], { Healthcheck: { Timeout: 5400e9 } });
  like(['--health-interval', '1us', '--health-timeout', '1µs'], { Healthcheck: { Interval: 1000, Timeout: 1000 } });
  fails(['--no-healthcheck', '--health-retries', '1', 'busybox'], '--no-healthcheck conflicts with --health-* options');
  fails(['--health-interval=-1s', 'busybox'], '--health-interval cannot be negative');
  fails(['--health-retries=-1', 'busybox'], '--health-retries cannot be negative');
  fails(['--health-interval', '1d', 'busybox'], 'invalid argument "1d" for "--health-interval" flag: time: unknown unit "d" in duration "1d"');
  fails(['--health-interval', '3', 'busybox'], 'invalid argument "3" for "--health-interval" flag: time: missing unit in duration "3"');
  fails(['--health-retries', 'x', 'busybox'], 'invalid argument "x" for "--health-retries" flag: strconv.ParseInt: parsing "x": invalid syntax');
});

test('parseGoDuration follows time.ParseDuration', () => {
  const ok: Array<[string, number]> = [
    ['0', 0], ['-0', 0], ['1ns', 1], ['1.5h', 5400e9], ['1h2m3.5s', 3723.5e9], ['.5s', 5e8], ['1.s', 1e9], ['+5s', 5e9], ['-300ms', -3e8],
    ['1μs', 1000], ['2h45m', 9900e9], ['9223372036s', 9223372036e9], ['0.000000001s', 1],
  ];
  for (const [s, ns] of ok) assert.equal(parseGoDuration(s), ns, s);
  const bad: Array<[string, string]> = [
    ['', 'time: invalid duration ""'], ['1', 'time: missing unit in duration "1"'], ['1x', 'time: unknown unit "x" in duration "1x"'],
    ['.s', 'time: invalid duration ".s"'], ['s', 'time: invalid duration "s"'], ['2562048h', 'time: invalid duration "2562048h"'],
    ['1é', 'time: unknown unit "\\xc3\\xa9" in duration "1\\xc3\\xa9"'], ['-', 'time: invalid duration "-"'],
  ];
  for (const [s, message] of bad) assert.throws(() => parseGoDuration(s), (err: unknown) => isTugError(err, 'InvalidParameter') && err.message === message, s);
});

test('networking flags', () => {
  like(['--network', 'host'], { HostConfig: { NetworkMode: 'host' }, NetworkingConfig: { EndpointsConfig: {} } });
  like(['--network', 'container:abc'], { HostConfig: { NetworkMode: 'container:abc' }, NetworkingConfig: { EndpointsConfig: {} } });
  like(['--net', 'mynet', '--network-alias', 'a', '--net-alias', 'b', '--ip', '10.0.0.2', '--ip6', 'fd00::2', '--mac-address', '02:42:ac:11:00:02'], {
    HostConfig: { NetworkMode: 'mynet' },
    NetworkingConfig: { EndpointsConfig: { mynet: { IPAMConfig: { IPv4Address: '10.0.0.2', IPv6Address: 'fd00::2' }, Aliases: ['a', 'b'], MacAddress: '02:42:ac:11:00:02' } } },
  });
  like(['--ip', '10.0.0.5'], { NetworkingConfig: { EndpointsConfig: { default: { IPAMConfig: { IPv4Address: '10.0.0.5' } } } } });
  like(['--network', 'mynet', '--network', 'other'], { NetworkingConfig: { EndpointsConfig: { mynet: {}, other: {} } } });
  like(['--network', 'name=MyNet,alias=a,ip=10.0.0.3,driver-opt=com.x=Y,gw-priority=5'], {
    HostConfig: { NetworkMode: 'mynet' },
    NetworkingConfig: { EndpointsConfig: { mynet: { IPAMConfig: { IPv4Address: '10.0.0.3' }, Aliases: ['a'], DriverOpts: { 'com.x': 'y' }, GwPriority: 5 } } },
  });
  like(['--network', 'name=n1', '--network', 'n2', '--ip', '1.2.3.4'], { NetworkingConfig: { EndpointsConfig: { n1: { IPAMConfig: { IPv4Address: '1.2.3.4' } }, n2: {} } } });
  like(['--link', 'c1:alias', '--link', 'c2'], { HostConfig: { Links: ['c1:alias', 'c2'] }, NetworkingConfig: { EndpointsConfig: { default: {} } } });
  like(['--network', 'mynet', '--link', 'c1:al'], { HostConfig: { Links: ['c1:al'] }, NetworkingConfig: { EndpointsConfig: { mynet: { Links: ['c1:al'] } } } });
  const errors: Array<[string[], string]> = [
    [['--network', 'bridge', '--network-alias', 'x'], 'network-scoped aliases are only supported for user-defined networks'],
    [['--network-alias', 'x'], 'network-scoped aliases are only supported for user-defined networks'],
    [['--network', 'mynet', '--network', 'host'], 'conflicting options: cannot attach both user-defined and non-user-defined network-modes'],
    [['--network', 'mynet', '--network', 'mynet'], 'network "mynet" is specified multiple times'],
    [['--network', 'name=n1,alias=b', '--network-alias', 'a'], 'conflicting options: cannot specify both --network-alias and per-network alias'],
    [['--network', 'name=n1,ip=1.2.3.4', '--ip', '1.2.3.5'], 'conflicting options: cannot specify both --ip and per-network IPv4 address'],
    [['--network', ''], 'no name set for network'],
    [['--mac-address', 'xx'], 'xx is not a valid mac address'],
    [['--network', 'name=n1,mac-address=xx'], 'xx is not a valid mac address'],
    [['--network', 'alias=x'], 'invalid argument "alias=x" for "--network" flag: network name/id is not specified'],
    [['--network', 'name=n,bad=1'], 'invalid argument "name=n,bad=1" for "--network" flag: invalid field key bad'],
    [['--network', 'name=n1,gw-priority=x'], 'invalid argument "name=n1,gw-priority=x" for "--network" flag: invalid gw-priority (x): invalid syntax'],
    [['--network', 'name=n1,driver-opt=x'], 'invalid argument "name=n1,driver-opt=x" for "--network" flag: invalid key value pair format in driver options'],
    [['--link', 'a:b:c'], 'invalid argument "a:b:c" for "--link" flag: bad format for links: a:b:c'],
  ];
  for (const [argv, message] of errors) fails([...argv, 'busybox'], message);
});

test('--dns, --dns-search, --add-host', () => {
  like(['--dns', '8.8.8.8', '--dns', '0:0::1', '--dns', '::ffff:1.2.3.4', '--dns', ' 1.1.1.1 '], { HostConfig: { Dns: ['8.8.8.8', '::1', '1.2.3.4', '1.1.1.1'] } });
  assert.deepEqual(run(['--dns', '127.0.0.53', '--dns', '::1', 'busybox']).warnings, ['Localhost DNS (127.0.0.53) may fail in containers.']);
  like(['--dns-search', 'example.com', '--dns-search', '.', '--dns-search', 'ex.com. ', '--dns-search', ':a'], { HostConfig: { DnsSearch: ['example.com', '.', 'ex.com', ':a'] } });
  like(['--add-host', 'a:1.2.3.4', '--add-host', 'b=::1', '--add-host', 'c:[::1]', '--add-host', 'd:host-gateway', '--add-host', 'e=0:0::1'],
    { HostConfig: { ExtraHosts: ['a:1.2.3.4', 'b:::1', 'c:::1', 'd:host-gateway', 'e:0:0::1'] } });
  const errors: Array<[string, string, string]> = [
    ['--dns', '1.2.3.04', 'IP address is not correctly formatted: 1.2.3.04'],
    ['--dns', '[::1]', 'IP address is not correctly formatted: [::1]'],
    ['--dns', 'fe80::1%eth0', 'IP address is not correctly formatted: fe80::1%eth0'],
    ['--dns-search', '123', '123 is not a valid domain'],
    ['--add-host', 'a', 'bad format for add-host: "a"'],
    ['--add-host', 'a:b', 'invalid IP address in add-host: "b"'],
    ['--add-host', ':1.2.3.4', 'bad format for add-host: ":1.2.3.4"'],
    ['--add-host', 'a=b:c', 'invalid IP address in add-host: "b:c"'],
  ];
  for (const [flag, value, why] of errors) fails([flag, value, 'busybox'], `invalid argument ${JSON.stringify(value)} for "${flag}" flag: ${why}`);
});

test('devices', () => {
  like(['--device', '/dev/sda', '--device', '/dev/sdb:/dev/xvdb', '--device', '/dev/sdc:r', '--device', '/dev/sdd:/dev/sde:rw', '--device', '/dev/a/../b'], {
    HostConfig: {
      Devices: [
        { PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' },
        { PathOnHost: '/dev/sdb', PathInContainer: '/dev/xvdb', CgroupPermissions: 'rwm' },
        { PathOnHost: '/dev/sdc', PathInContainer: '/dev/sdc', CgroupPermissions: 'r' },
        { PathOnHost: '/dev/sdd', PathInContainer: '/dev/sde', CgroupPermissions: 'rw' },
        { PathOnHost: '/dev/b', PathInContainer: '/dev/b', CgroupPermissions: 'rwm' },
      ],
    },
  });
  like(['--device', 'nvidia.com/gpu=all'], { HostConfig: { Devices: [], DeviceRequests: [{ Driver: 'cdi', DeviceIDs: ['nvidia.com/gpu=all'] }] } });
  like(['--device-cgroup-rule', 'c 1:3 mr', '--device-cgroup-rule', 'a *:* rwm'], { HostConfig: { DeviceCgroupRules: ['c 1:3 mr', 'a *:* rwm'] } });
  like(['--gpus', 'all'], { HostConfig: { DeviceRequests: [{ Count: -1, Capabilities: [['gpu']], Options: {} }] } });
  like(['--gpus', 'device=0,1'], { HostConfig: { DeviceRequests: [{ Count: 1, DeviceIDs: ['0'], Capabilities: [['gpu']], Options: {} }] } });
  like(['--gpus', '"capabilities=compute,utility",driver=nvidia,count=2'], { HostConfig: { DeviceRequests: [{ Driver: 'nvidia', Count: 2, Capabilities: [['compute', 'utility', 'gpu']], Options: {} }] } });
  like(['--blkio-weight-device', '/dev/sda:200', '--device-read-bps', '/dev/sda:1mb', '--device-write-iops', '/dev/sda:100'], {
    HostConfig: { BlkioWeightDevice: [{ Path: '/dev/sda', Weight: 200 }], BlkioDeviceReadBps: [{ Path: '/dev/sda', Rate: 1048576 }], BlkioDeviceWriteIOps: [{ Path: '/dev/sda', Rate: 100 }] },
  });
  fails(['--device', '/dev/a:/dev/b:rwx', 'busybox'], 'bad mode specified: rwx');
  fails(['--device', 'a', 'busybox'], 'a is not an absolute path');
  fails(['--device', '/dev/a:b', 'busybox'], 'b is not an absolute path');
  fails(['--device', '/dev/a:/b:c:d', 'busybox'], 'bad format for path: /dev/a:/b:c:d');
  fails(['--device', ':/dev/a', 'busybox'], 'bad format for path: :/dev/a');
  fails(['--device-cgroup-rule', 'x', 'busybox'], `invalid argument "x" for "--device-cgroup-rule" flag: invalid device cgroup format 'x'`);
  fails(['--gpus', 'foo', 'busybox'], 'invalid argument "foo" for "--gpus" flag: invalid count (foo): value must be either "all" or an integer: invalid syntax');
  fails(['--gpus', 'count=1,count=2', 'busybox'], `invalid argument "count=1,count=2" for "--gpus" flag: gpu request key 'count' can be specified only once`);
  fails(['--blkio-weight-device', '/dev/sda:5', 'busybox'], 'invalid argument "/dev/sda:5" for "--blkio-weight-device" flag: invalid weight for device: /dev/sda:5');
  fails(['--device-read-bps', 'sda:1', 'busybox'], 'invalid argument "sda:1" for "--device-read-bps" flag: bad format for device path: sda:1');
  fails(['--device-read-iops', '/dev/sda:1k', 'busybox'],
    'invalid argument "/dev/sda:1k" for "--device-read-iops" flag: invalid rate for device: /dev/sda:1k. The correct format is <device-path>:<number>. Number must be a positive integer');
});

test('restart policy and --rm', () => {
  const ok: Array<[string, unknown]> = [
    ['always', { Name: 'always' }], ['on-failure:3', { Name: 'on-failure', MaximumRetryCount: 3 }], ['unless-stopped', { Name: 'unless-stopped' }],
    ['on-failure', { Name: 'on-failure' }], ['no', { Name: 'no' }], ['', {}], ['on-failure:0', { Name: 'on-failure' }],
  ];
  for (const [policy, want] of ok) like(['--restart', policy], { HostConfig: { RestartPolicy: want } });
  like(['--rm', '--restart', 'no'], { HostConfig: { AutoRemove: true } });
  like(['--rm', '--restart', ''], { HostConfig: { AutoRemove: true, RestartPolicy: {} } });
  const errors: Array<[string[], string]> = [
    [['--restart', ':3'], 'invalid restart policy format: no policy provided before colon'],
    [['--restart', 'on-failure:x'], 'invalid restart policy format: maximum retry count must be an integer'],
    [['--rm', '--restart', 'always'], 'conflicting options: cannot specify both --restart and --rm'],
    [['--restart', 'foo'], "invalid restart policy: unknown policy 'foo'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'"],
    [['--restart', 'always:3'], "invalid restart policy: maximum retry count can only be used with 'on-failure'"],
    [['--restart', 'no:-1'], "invalid restart policy: maximum retry count can only be used with 'on-failure' and cannot be negative"],
    [['--restart', 'on-failure:-1'], 'invalid restart policy: maximum retry count cannot be negative'],
  ];
  for (const [argv, message] of errors) fails([...argv, 'busybox'], message);
});

test('ulimits, sysctls, log options, storage options', () => {
  like(['--ulimit', 'nproc=10', '--ulimit', 'nofile=1024:2048', '--ulimit', 'core=-1', '--ulimit', 'nproc=11'],
    { HostConfig: { Ulimits: [{ Name: 'core', Hard: -1, Soft: -1 }, { Name: 'nofile', Hard: 2048, Soft: 1024 }, { Name: 'nproc', Hard: 11, Soft: 11 }] } });
  like(['--sysctl', 'net.ipv4.ip_forward=1', '--sysctl', 'kernel.shmmax=5', '--sysctl', 'fs.mqueue.x='], { HostConfig: { Sysctls: { 'net.ipv4.ip_forward': '1', 'kernel.shmmax': '5', 'fs.mqueue.x': '' } } });
  like(['--log-driver', 'json-file', '--log-opt', 'max-size=1m', '--log-opt', 'x'], { HostConfig: { LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', x: '' } } } });
  like(['--storage-opt', 'size=1G'], { HostConfig: { StorageOpt: { size: '1G' } } });
  const errors: Array<[string[], string]> = [
    [['--ulimit', 'nofile=2:1'], 'invalid argument "nofile=2:1" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: 2 > 1'],
    [['--ulimit', 'foo=1'], 'invalid argument "foo=1" for "--ulimit" flag: invalid ulimit type: foo'],
    [['--ulimit', 'nofile=a'], 'invalid argument "nofile=a" for "--ulimit" flag: strconv.ParseInt: parsing "a": invalid syntax'],
    [['--ulimit', 'nofile'], 'invalid argument "nofile" for "--ulimit" flag: invalid ulimit argument: nofile'],
    [['--ulimit', 'nofile=1:2:3'], 'invalid argument "nofile=1:2:3" for "--ulimit" flag: too many limit value arguments - 1:2:3, can only have up to two, `soft[:hard]`'],
    [['--ulimit', 'nofile=-1:5'], 'invalid argument "nofile=-1:5" for "--ulimit" flag: ulimit soft limit must be less than or equal to hard limit: soft: -1 (unlimited), hard: 5'],
    [['--sysctl', 'kernel.foo=1'], `invalid argument "kernel.foo=1" for "--sysctl" flag: sysctl 'kernel.foo=1' is not allowed`],
    [['--sysctl', 'net.a'], `invalid argument "net.a" for "--sysctl" flag: sysctl 'net.a' is not allowed`],
    [['--log-driver', 'none', '--log-opt', 'a=b'], 'invalid logging opts for driver none'],
    [['--storage-opt', 'x'], 'invalid storage option'],
  ];
  for (const [argv, message] of errors) fails([...argv, 'busybox'], message);
});

test('memory and CPU flags', () => {
  like(['-m', '32m', '--memory-swap', '-1', '--memory-reservation', '16m', '--shm-size', '1g', '--kernel-memory', '4m'],
    { HostConfig: { Memory: 32 * 2 ** 20, MemorySwap: -1, MemoryReservation: 16 * 2 ** 20, ShmSize: 2 ** 30 } });
  like(['--memory-swappiness', '0', '--pids-limit', '-1', '--oom-kill-disable', '--oom-score-adj', '-500'],
    { HostConfig: { MemorySwappiness: 0, PidsLimit: -1, OomKillDisable: true, OomScoreAdj: -500 } });
  like(['--cpu-rt-period', '1000', '--cpu-rt-runtime', '950', '--cpu-period', '100000', '--cpu-quota', '50000', '--cpuset-cpus', '0-3', '--cpuset-mems', '0'],
    { HostConfig: { CpuRealtimePeriod: 1000, CpuRealtimeRuntime: 950, CpuPeriod: 100000, CpuQuota: 50000, CpusetCpus: '0-3', CpusetMems: '0' } });
  const shares: Array<[string, number]> = [['0x10', 16], ['010', 8], ['0o10', 8], ['1_000', 1000], ['-0x10', -16]];
  for (const [v, n] of shares) like(['-c', v], { HostConfig: { CpuShares: n } });
  const cpus: Array<[string, number]> = [['1.5', 1.5e9], ['3/2', 1.5e9], ['1e-3', 1e6], ['-1', -1e9], ['0x1p-2', 2.5e8], ['.5', 5e8], ['1_0', 1e10], ['0b1', 1e9], ['0x1e3', 483e9], ['1.', 1e9]];
  for (const [v, n] of cpus) like(['--cpus', v], { HostConfig: { NanoCpus: n } });
  like(['--blkio-weight', '0x10'], { HostConfig: { BlkioWeight: 16 } });
  const errors: Array<[string[], string]> = [
    [['--cpus', '0.0000000001'], 'invalid argument "0.0000000001" for "--cpus" flag: value is too precise'],
    [['--cpus', 'abc'], 'invalid argument "abc" for "--cpus" flag: failed to parse abc as a rational number'],
    [['--cpus', '1/0'], 'invalid argument "1/0" for "--cpus" flag: failed to parse 1/0 as a rational number'],
    [['--memory-swap', '-2'], `invalid argument "-2" for "--memory-swap" flag: invalid size: '-2'`],
    [['-m', '3x'], `invalid argument "3x" for "-m, --memory" flag: invalid suffix: 'x'`],
    [['--memory-swappiness', '200'], 'invalid value: 200. Valid memory swappiness range is 0-100'],
    [['--cpu-shares', 'x'], 'invalid argument "x" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "x": invalid syntax'],
    [['--cpu-shares', '9223372036854775808'], 'invalid argument "9223372036854775808" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "9223372036854775808": value out of range'],
    [['--cpu-shares', '09'], 'invalid argument "09" for "-c, --cpu-shares" flag: strconv.ParseInt: parsing "09": invalid syntax'],
    [['--blkio-weight', '70000'], 'invalid argument "70000" for "--blkio-weight" flag: strconv.ParseUint: parsing "70000": value out of range'],
    [['--blkio-weight', '-1'], 'invalid argument "-1" for "--blkio-weight" flag: strconv.ParseUint: parsing "-1": invalid syntax'],
    [['--oom-score-adj', '1e3'], 'invalid argument "1e3" for "--oom-score-adj" flag: strconv.ParseInt: parsing "1e3": invalid syntax'],
    [['--stop-timeout', '1.5'], 'invalid argument "1.5" for "--stop-timeout" flag: strconv.ParseInt: parsing "1.5": invalid syntax'],
    [['--cpus', '1.5', '--cpu-period', '1000'], 'Conflicting options: Nano CPUs and CPU Period cannot both be set'],
    [['--cpus', '1.5', '--cpu-quota', '5'], 'Conflicting options: Nano CPUs and CPU Quota cannot both be set'],
    [['--io-maxiops', '5', '--cpu-count', '2'], '"--cpu-count" is only supported on a Docker daemon running on windows, but the Docker daemon is running on linux\n' +
      '"--io-maxiops" is only supported on a Docker daemon running on windows, but the Docker daemon is running on linux'],
  ];
  for (const [argv, message] of errors) fails([...argv, 'busybox'], message);
  const err = (() => { try { run(['-m', '3x', 'busybox']); } catch (e) { return e; } })();
  assert.ok(err instanceof FlagValueError && err.flag === '-m, --memory' && err.value === '3x');
});

test('namespaces, identity and the rest of Config/HostConfig', () => {
  like(['--cgroup-parent', '/x', '--runtime', 'runc', '--cidfile', '/tmp/c', '--privileged', '--read-only', '--group-add', '10', '--group-add', 'audio',
    '--cap-add', 'net_admin', '--cap-add', 'CAP_NET_ADMIN', '--cap-add', 'sys_time', '--cap-drop', 'ALL', '-u', '1000:1000', '-w', '/w', '-h', 'host', '--domainname', 'd.com',
    '--pid', 'host', '--userns', 'host', '--cgroupns', 'private', '--ipc', 'shareable', '--uts', 'host', '--isolation', 'default', '--stop-signal', 'SIGKILL', '--stop-timeout', '0', '--init'], {
    User: '1000:1000', WorkingDir: '/w', Hostname: 'host', Domainname: 'd.com', StopSignal: 'SIGKILL', StopTimeout: 0,
    HostConfig: {
      CgroupParent: '/x', Runtime: 'runc', ContainerIDFile: '/tmp/c', Privileged: true, ReadonlyRootfs: true, GroupAdd: ['10', 'audio'],
      CapAdd: ['CAP_NET_ADMIN', 'CAP_SYS_TIME'], CapDrop: ['ALL'], PidMode: 'host', UsernsMode: 'host', CgroupnsMode: 'private', IpcMode: 'shareable',
      UTSMode: 'host', Isolation: 'default', Init: true,
    },
  });
  like(['--entrypoint', ''], { Entrypoint: [''] });
  like(['--entrypoint=/bin/sh -c'], { Entrypoint: ['/bin/sh -c'] });
  like(['--pid', 'container:x'], { HostConfig: { PidMode: 'container:x' } });
  const o = run(['--name', 'foo', '--platform', 'linux/ARM64', '--pull', 'always', '-q', '--detach-keys', 'ctrl-x', '--cidfile', '/c', 'busybox'], 'run');
  assert.deepEqual([o.name, o.platform, o.pull, o.quiet, o.detachKeys, o.cidfile], ['foo', 'linux/arm64', 'always', true, 'ctrl-x', '/c']);
  const platforms: Array<[string, string]> = [['arm64', 'linux/arm64'], ['linux/arm/v7', 'linux/arm/v7'], ['linux/aarch64/v8', 'linux/arm64/v8'], ['linux', 'linux/amd64'], ['linux/x86_64', 'linux/amd64']];
  for (const [p, want] of platforms) assert.equal(run(['--platform', p, 'busybox']).platform, want, p);
  const errors: Array<[string[], string]> = [
    [['--pid', 'container:'], '--pid: invalid PID mode'],
    [['--pid', 'foo'], '--pid: invalid PID mode'],
    [['--uts', 'foo'], '--uts: invalid UTS mode'],
    [['--userns', 'foo'], '--userns: invalid USER mode'],
    [['--cgroupns', 'foo'], '--cgroupns: invalid CGROUP mode'],
    [['--pull', 'sometimes'], `invalid pull option: 'sometimes': must be one of "always", "missing" or "never"`],
    [['--platform', 'foo'], 'error parsing specified platform: "foo": unknown operating system or architecture: invalid argument'],
  ];
  for (const [argv, message] of errors) fails([...argv, 'busybox'], message);
});

test('Go parsers behind the flags: CSV records, IP formatting, json.Compact', () => {
  const csv: Array<[string, string[] | string]> = [
    ['a,b', ['a', 'b']], ['"a,b",c', ['a,b', 'c']], ['"x""y"', ['x"y']], ['a\nb', ['a']], ['\n\na', ['a']], ['"a\nb",c', ['a\nb', 'c']], ['a,', ['a', '']],
    ['é"', 'parse error on line 1, column 3: bare " in non-quoted-field'], ['"x"y', 'parse error on line 1, column 3: extraneous or missing " in quoted-field'],
    ['"a\nb', 'record on line 1; parse error on line 2, column 2: extraneous or missing " in quoted-field'], ['', 'EOF'],
  ];
  for (const [s, want] of csv) {
    if (Array.isArray(want)) assert.deepEqual(readCSVRecord(s), want, s);
    else assert.throws(() => readCSVRecord(s), (e: unknown) => isTugError(e, 'InvalidParameter') && e.message === want, s);
  }
  const ips: Array<[string, string | undefined]> = [
    ['1.2.3.4', '1.2.3.4'], ['::ffff:1.2.3.4', '1.2.3.4'], ['0:0::1', '::1'], ['1:0:0:1:0:0:0:1', '1:0:0:1::1'], ['::1.2.3.4', '::102:304'],
    ['FE80::A', 'fe80::a'], ['1.2.3.04', undefined], ['1::2::3', undefined], ['12345::', undefined], ['1.2.3', undefined], ['::1%lo', undefined],
  ];
  for (const [s, want] of ips) {
    const ip = parseIP(s);
    assert.equal(ip && formatIP(ip), want, s);
  }
  assert.equal(compactJSON(' { "a" : [ 1 , 2.5e1 , "x y\\u0041" ] , "b":null }\n'), '{"a":[1,2.5e1,"x y\\u0041"],"b":null}');
  const bad: Array<[string, string]> = [
    ['', 'unexpected end of JSON input'], ['[1,]', "invalid character ']' looking for beginning of value"], ['{"a" 1}', "invalid character '1' after object key"],
    ['[1 2]', "invalid character '2' after array element"], ['-', "invalid character ' ' in numeric literal"], ['tru', "invalid character ' ' in literal true (expecting 'e')"],
    ['{} x', "invalid character 'x' after top-level value"], ['"a\tb"', "invalid character '\\t' in string literal"],
  ];
  for (const [s, message] of bad) assert.throws(() => compactJSON(s), (e: unknown) => isTugError(e, 'InvalidParameter') && e.message === message, s);
});

// Deterministic PRNG so that a failing fuzz case can be replayed.
function prng(seed: number): (n: number) => number {
  return (n) => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) % n;
  };
}

test('fuzz: -p, -v and --mount parsers only ever throw InvalidParameterError', () => {
  const rnd = prng(1234);
  const pick = (alphabet: string[], max: number) => Array.from({ length: rnd(max + 1) }, () => alphabet[rnd(alphabet.length)]).join('');
  const parsers: Array<[string[], number, (s: string) => void]> = [
    [['1', '0', '8', '65535', '99999', ':', ':', '-', '/', 'udp', 'TCP', '[', ']', '::1', '.', 'a', ',', '=', 'published', 'target', 'protocol', ' '], 12, (s) => {
      for (const [port, bindings] of Object.entries(parsePublish([s]).bindings)) {
        assert.match(port, /^\d+\/(tcp|udp|sctp)$/, s);
        for (const b of bindings) assert.ok(b.HostPort === undefined || /^\d+(-\d+)?$/.test(b.HostPort), s);
      }
    }],
    [[':', ':', '/', '/a', '.', 'a', 'C', '~', '\\', 'ro', 'rw', 'z', ',', 'nocopy', 'shared', 'é', ' '], 10, (s) => {
      for (const b of splitVolumes([s], '/cwd').binds) parseBind(b);
    }],
    [[',', ',', '=', '"', 'type', 'bind', 'volume', 'tmpfs', 'src', 'dst', '/a', 'ro', 'readonly', 'tmpfs-size', 'tmpfs-mode', 'volume-opt', 'bind-recursive', '1', 'x', '\n', ' '], 12,
      (s) => validateMount(parseMount(s, '/cwd'))],
  ];
  for (const [alphabet, max, parse] of parsers) {
    for (let i = 0; i < 2000; i++) {
      const s = pick(alphabet, max);
      try {
        parse(s);
      } catch (err) {
        assert.ok(isTugError(err, 'InvalidParameter'), `${JSON.stringify(s)}: ${String(err)}`);
      }
      for (const flags of [{ publish: [s] }, { volume: [s] }, { mount: [s] }, { expose: [s] }]) {
        try {
          fromFlags(flags, 'busybox', [], env);
        } catch (err) {
          assert.ok(isTugError(err, 'InvalidParameter'), `${JSON.stringify(flags)}: ${String(err)}`);
        }
      }
    }
  }
});
