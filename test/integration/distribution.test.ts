// tug pull/push against Debian's docker-registry (CNCF distribution 2.8) on loopback: digests
// end to end (skopeo agrees), HEAD-skip and cross-repository mounts, manifest lists, zstd
// layers, resumed and corrupted downloads, errors.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { TestDaemon, runProcess } from '../helpers/daemon.js';
import { startDistribution, startProxy, type PeerRegistry } from '../helpers/peers.js';
import { tarOf } from '../helpers/tar.js';

const sha = (b: Buffer | string) => 'sha256:' + createHash('sha256').update(b).digest('hex');

async function putBlob(host: string, repo: string, body: Buffer): Promise<string> {
  const digest = sha(body);
  const start = await fetch(`http://${host}/v2/${repo}/blobs/uploads/`, { method: 'POST' });
  assert.equal(start.status, 202);
  const loc = new URL(start.headers.get('location')!, `http://${host}`);
  loc.searchParams.set('digest', digest);
  const put = await fetch(loc, { method: 'PUT', body: new Uint8Array(body), headers: { 'Content-Type': 'application/octet-stream' } });
  assert.equal(put.status, 201, await put.text());
  return digest;
}

async function putManifest(host: string, repo: string, tag: string, body: object, type: string): Promise<string> {
  const bytes = Buffer.from(JSON.stringify(body));
  const res = await fetch(`http://${host}/v2/${repo}/manifests/${tag}`, { method: 'PUT', body: new Uint8Array(bytes), headers: { 'Content-Type': type } });
  assert.equal(res.status, 201, await res.text());
  return sha(bytes);
}

describe('tug pull and push against docker-registry', () => {
  let d: TestDaemon;
  let reg: PeerRegistry;
  let R: string;
  let env: NodeJS.ProcessEnv;
  const tug = (args: string[]) => d.tug(args, { env });
  let busyboxID: string;

  before(async () => {
    d = await TestDaemon.start();
    reg = await startDistribution();
    R = reg.host;
    env = { DOCKER_CONFIG: join(d.dir, 'docker-config') };
    const b = await tug(['bootstrap', 'busybox']);
    assert.equal(b.code, 0, b.stderr);
    busyboxID = (await tug(['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).stdout.trim();
  });
  after(async () => {
    await d?.cleanup();
    await reg?.stop();
  });

  it('push, then pull into an empty store: same image ID, same digest as skopeo reads, and it runs', async () => {
    assert.equal((await tug(['tag', 'busybox', `${R}/rt/busybox:v1`])).code, 0);
    const push = await tug(['push', `${R}/rt/busybox:v1`]);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, new RegExp(`^The push refers to repository \\[${R}/rt/busybox\\]\n`));
    assert.match(push.stdout, /: Pushed\n/);
    const digest = /v1: digest: (sha256:[0-9a-f]{64}) size: \d+/.exec(push.stdout)?.[1];
    assert.ok(digest, push.stdout);
    const insp = spawnSync('skopeo', ['inspect', '--tls-verify=false', `docker://${R}/rt/busybox:v1`], { encoding: 'utf8' });
    assert.equal(insp.status, 0, insp.stderr);
    assert.equal((JSON.parse(insp.stdout) as { Digest: string }).Digest, digest);

    // skopeo copies it out to an OCI layout and back under another name: the digest holds.
    const layout = mkdtempSync('/tmp/tug-oci-');
    try {
      const out = spawnSync('skopeo', ['copy', '--src-tls-verify=false', `docker://${R}/rt/busybox:v1`, `oci:${layout}:v1`], { encoding: 'utf8' });
      assert.equal(out.status, 0, out.stderr);
      const back = spawnSync('skopeo', ['copy', '--dest-tls-verify=false', `oci:${layout}:v1`, `docker://${R}/rt/copied:v1`], { encoding: 'utf8' });
      assert.equal(back.status, 0, back.stderr);
      const copied = spawnSync('skopeo', ['inspect', '--tls-verify=false', `docker://${R}/rt/copied:v1`], { encoding: 'utf8' });
      assert.equal((JSON.parse(copied.stdout) as { Digest: string }).Digest, digest, 'registry → OCI layout → registry keeps the digest');
    } finally {
      rmSync(layout, { recursive: true, force: true });
    }

    assert.equal((await tug(['rmi', 'busybox', `${R}/rt/busybox:v1`])).code, 0);
    const pull = await tug(['pull', `${R}/rt/busybox:v1`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.match(pull.stdout, /^v1: Pulling from rt\/busybox\n/);
    assert.match(pull.stdout, /: Pull complete\n/);
    assert.ok(pull.stdout.endsWith(`Digest: ${digest}\nStatus: Downloaded newer image for ${R}/rt/busybox:v1\n${R}/rt/busybox:v1\n`), pull.stdout);
    assert.equal((await tug(['image', 'inspect', '-f', '{{.Id}} {{index .RepoDigests 0}}', `${R}/rt/busybox:v1`])).stdout.trim(), `${busyboxID} ${R}/rt/busybox@${digest}`);
    const run = await tug(['run', '--rm', `${R}/rt/busybox:v1`, 'echo', 'pulled']);
    assert.equal(run.stdout, 'pulled\n', run.stderr);

    // skopeo's copy pulls to the same image (tug keeps pulled manifests byte for byte).
    const copied = await tug(['pull', '-q', `${R}/rt/copied:v1`]);
    assert.equal(copied.stdout, `${R}/rt/copied:v1\n`, copied.stderr);
    assert.equal((await tug(['image', 'inspect', '-f', '{{.Id}}', `${R}/rt/copied:v1`])).stdout.trim(), busyboxID);
    const again = await tug(['pull', `${R}/rt/busybox:v1`]);
    assert.match(again.stdout, /Already exists\n/);
    assert.match(again.stdout, new RegExp(`Status: Image is up to date for ${R}/rt/busybox:v1\n`));
    const repush = await tug(['push', `${R}/rt/busybox:v1`]);
    assert.match(repush.stdout, /: Layer already exists\n/);
    assert.match(repush.stdout, new RegExp(`v1: digest: ${digest} `), 'a pulled image pushes back the very manifest it came as');
  });

  it('a push to a sibling repository mounts the layer instead of uploading it', async () => {
    const since = Math.floor(Date.now() / 1000);
    assert.equal((await tug(['tag', `${R}/rt/busybox:v1`, `${R}/sibling/bb:x`])).code, 0);
    const push = await tug(['push', `${R}/sibling/bb:x`]);
    assert.equal(push.code, 0, push.stderr);
    assert.match(push.stdout, /: Mounted from rt\/busybox\n/);
    const events = await tug(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'event=push', '--format', '{{.Type}} {{.Action}} {{.Actor.ID}}']);
    assert.ok(events.stdout.split('\n').includes(`image push ${R}/sibling/bb:x`), `dockerd names push events by the reference: ${events.stdout}`);
  });

  it('pull by digest, --all-tags, and image pull', async () => {
    const digest = (await tug(['image', 'inspect', '-f', '{{index .RepoDigests 0}}', `${R}/rt/busybox:v1`])).stdout.trim().split('@')[1]!;
    assert.equal((await tug(['tag', 'busybox:latest', `${R}/rt/busybox:v2`]).then(() => tug(['tag', `${R}/rt/busybox:v1`, `${R}/rt/busybox:v2`]))).code, 0);
    assert.equal((await tug(['push', `${R}/rt/busybox:v2`])).code, 0);
    const byDigest = await tug(['image', 'pull', `${R}/rt/busybox@${digest}`]);
    assert.equal(byDigest.code, 0, byDigest.stderr);
    assert.match(byDigest.stdout, new RegExp(`Status: (Downloaded newer image|Image is up to date) for ${R}/rt/busybox@${digest}\n${R}/rt/busybox@${digest}\n$`));
    const all = await tug(['pull', '--all-tags', `${R}/rt/busybox`]);
    assert.equal(all.code, 0, all.stderr);
    assert.match(all.stdout, /v1: Pulling from rt\/busybox\n[^]*v2: Pulling from rt\/busybox\n/);
    for (const t of ['a', 'b']) assert.equal((await tug(['tag', `${R}/rt/busybox:v1`, `${R}/every/tag:${t}`])).code, 0);
    const pushAll = await tug(['push', '--all-tags', `${R}/every/tag`]);
    assert.equal(pushAll.code, 0, pushAll.stderr);
    assert.match(pushAll.stdout, /^The push refers to repository \[.*every\/tag\]\n[^]*\na: digest: sha256:[0-9a-f]{64} size: \d+\n[^]*\nb: digest: sha256:[0-9a-f]{64} size: \d+\n$/);
    const tags = await fetch(`http://${R}/v2/every/tag/tags/list`).then((r) => r.json()) as { tags: string[] };
    assert.deepEqual(tags.tags.sort(), ['a', 'b']);
    const both = await tug(['pull', '-a', `${R}/rt/busybox:v1`]);
    assert.equal(both.code, 1);
    assert.equal(both.stderr, "tag can't be used with --all-tags/-a\n");
  });

  it('errors: unknown tag or repository, bad names, unreachable registry, nothing local to push', async () => {
    const unknown = await tug(['pull', `${R}/rt/busybox:nope`]);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, `Error response from daemon: manifest for ${R}/rt/busybox:nope not found: manifest unknown: manifest unknown\n`);
    const noRepo = await tug(['pull', `${R}/never/pushed:1`]);
    assert.equal(noRepo.code, 1);
    assert.match(noRepo.stderr, /^Error response from daemon: manifest for .*never\/pushed:1 not found: (name|manifest) unknown: /);
    const upper = await tug(['pull', `${R}/Upper:1`]);
    assert.equal(upper.code, 1);
    assert.match(upper.stderr, /must be lowercase/);
    const closed = await tug(['pull', '127.0.0.1:1/x:1']);
    assert.equal(closed.code, 1);
    assert.match(closed.stderr, /^Error response from daemon: Get "http:\/\/127\.0\.0\.1:1\/v2\/": connect ECONNREFUSED/);
    const missing = await tug(['push', `${R}/nothing/here:1`]);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /tag does not exist: .*nothing\/here:1/);
    const api = await d.api('POST', `/images/create?fromImage=${encodeURIComponent(`${R}/rt/busybox`)}&tag=nope`);
    assert.equal(api.status, 404);
  });

  it('manifest lists: linux/amd64 is chosen; a list without it fails clearly', async () => {
    const digest = (await tug(['image', 'inspect', '-f', '{{index .RepoDigests 0}}', `${R}/rt/busybox:v1`])).stdout.trim().split('@')[1]!;
    const head = await fetch(`http://${R}/v2/rt/busybox/manifests/${digest}`, { headers: { Accept: 'application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json' } });
    const size = Number(head.headers.get('content-length'));
    const entry = (arch: string) => ({ mediaType: head.headers.get('content-type')!, digest, size, platform: { os: 'linux', architecture: arch } });
    const listType = 'application/vnd.docker.distribution.manifest.list.v2+json';
    const listDigest = await putManifest(R, 'rt/busybox', 'multi', { schemaVersion: 2, mediaType: listType, manifests: [entry('arm64'), entry('amd64')] }, listType);
    await putManifest(R, 'rt/busybox', 'armonly', { schemaVersion: 2, mediaType: listType, manifests: [entry('arm64')] }, listType);
    const multi = await tug(['pull', `${R}/rt/busybox:multi`]);
    assert.equal(multi.code, 0, multi.stderr);
    assert.match(multi.stdout, new RegExp(`Digest: ${listDigest}\n`), 'the list digest is the repo digest');
    const arm = await tug(['pull', `${R}/rt/busybox:armonly`]);
    assert.equal(arm.code, 1);
    assert.equal(arm.stderr, 'Error response from daemon: no matching manifest for linux/amd64 in the manifest list entries\n');
  });

  it('zstd layers unpack', async () => {
    const layer = await tarOf([{ name: 'zstd.txt', body: 'zstd layer\n', mode: 0o644 }]);
    const zst = spawnSync('zstd', ['-q', '-c'], { input: layer }).stdout;
    const layerDigest = await putBlob(R, 'zs/img', zst);
    const config = Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Cmd: ['cat', '/zstd.txt'] }, rootfs: { type: 'layers', diff_ids: [sha(layer)] } }));
    const configDigest = await putBlob(R, 'zs/img', config);
    const type = 'application/vnd.oci.image.manifest.v1+json';
    await putManifest(R, 'zs/img', '1', { schemaVersion: 2, mediaType: type, config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: configDigest, size: config.length }, layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: layerDigest, size: zst.length }] }, type);
    const busy = await tug(['image', 'inspect', '-f', '{{.Id}}', `${R}/rt/busybox:v1`]);
    assert.equal(busy.code, 0);
    const pull = await tug(['pull', '-q', `${R}/zs/img:1`]);
    assert.equal(pull.code, 0, pull.stderr);
    assert.equal((await tug(['image', 'inspect', '-f', '{{.Id}}', `${R}/zs/img:1`])).stdout.trim(), configDigest);
    assert.equal((await tug(['save', '-o', join(d.dir, 'zs.tar'), `${R}/zs/img:1`])).code, 0, 'a pulled zstd image saves');
  });

  it('an interrupted pull resumes from the bytes it has; corrupted bytes are refused and not kept', async () => {
    const file = join(d.dir, 'big.tar');
    writeFileSync(file, await tarOf([{ name: 'random.bin', body: randomBytes(6 << 20), mode: 0o644 }]));
    assert.equal((await tug(['import', file, `${R}/rt/big:1`])).code, 0);
    assert.equal((await tug(['push', `${R}/rt/big:1`])).code, 0);
    const bigID = (await tug(['image', 'inspect', '-f', '{{.Id}}', `${R}/rt/big:1`])).stdout.trim();
    assert.equal((await tug(['rmi', `${R}/rt/big:1`])).code, 0);
    const proxy = await startProxy(R);
    try {
      const P = proxy.host;
      proxy.cutBlobsAfter = 2 << 20;
      const cut = await tug(['pull', `${P}/rt/big:1`]);
      assert.equal(cut.code, 1, cut.stdout);
      const partialDir = join(d.dataRoot, 'distribution', 'partial');
      assert.equal(readdirSync(partialDir).length, 1, 'the bytes received are kept');
      proxy.cutBlobsAfter = undefined;
      proxy.log.length = 0;
      const resumed = await tug(['pull', `${P}/rt/big:1`]);
      assert.equal(resumed.code, 0, resumed.stderr);
      const ranged = proxy.log.filter((l) => l.range);
      assert.equal(ranged.length, 1, JSON.stringify(proxy.log));
      assert.ok(Number(/bytes=(\d+)-/.exec(ranged[0]!.range!)?.[1]) > 0);
      assert.equal(readdirSync(partialDir).length, 0);
      assert.equal((await tug(['image', 'inspect', '-f', '{{.Id}}', `${P}/rt/big:1`])).stdout.trim(), bigID, 'the resumed layer unpacked to the same DiffID');

      assert.equal((await tug(['rmi', `${P}/rt/big:1`])).code, 0);
      proxy.corruptBlobs = true;
      const bad = await tug(['pull', `${P}/rt/big:1`]);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /verification failed|digest mismatch|cannot decompress/);
      assert.equal(readdirSync(partialDir).length, 0, 'bad bytes are not kept for a resume');
      assert.equal((await tug(['images', '-q', `${P}/rt/big`])).stdout, '');
    } finally {
      await proxy.stop();
    }
  });

  it('a kill -9 of tugd in the middle of a pull: after the restart the pull resumes from the bytes on disk', async () => {
    const file = join(d.dir, 'crash.tar');
    writeFileSync(file, await tarOf([{ name: 'crash.bin', body: randomBytes(4 << 20), mode: 0o644 }]));
    assert.equal((await tug(['import', file, `${R}/rt/crash:1`])).code, 0);
    assert.equal((await tug(['push', `${R}/rt/crash:1`])).code, 0);
    const id = (await tug(['image', 'inspect', '-f', '{{.Id}}', `${R}/rt/crash:1`])).stdout.trim();
    assert.equal((await tug(['rmi', `${R}/rt/crash:1`])).code, 0);
    const proxy = await startProxy(R);
    try {
      proxy.stallBlobsAfter = 1 << 20;
      const hung = tug(['pull', `${proxy.host}/rt/crash:1`]);
      const partialDir = join(d.dataRoot, 'distribution', 'partial');
      const deadline = Date.now() + 20_000;
      while (!readdirSync(partialDir).some((f) => statSync(join(partialDir, f)).size >= 1 << 20)) {
        assert.ok(Date.now() < deadline, 'the stalled pull wrote its first MiB');
        await new Promise((r) => setTimeout(r, 50));
      }
      await d.kill9();
      assert.equal((await hung).code, 1);
      await d.startProcess();
      proxy.stallBlobsAfter = undefined;
      proxy.log.length = 0;
      const resumed = await tug(['pull', `${proxy.host}/rt/crash:1`]);
      assert.equal(resumed.code, 0, resumed.stderr);
      assert.deepEqual(proxy.log.filter((l) => l.range).map((l) => l.range), [`bytes=${1 << 20}-`]);
      assert.equal((await tug(['image', 'inspect', '-f', '{{.Id}}', `${proxy.host}/rt/crash:1`])).stdout.trim(), id);
    } finally {
      await proxy.stop();
    }
  });

  it('garbage collection while a pull is under way spares what the pull has fetched', async () => {
    const file = join(d.dir, 'gc.tar');
    writeFileSync(file, await tarOf([{ name: 'gc.bin', body: randomBytes(3 << 20), mode: 0o644 }]));
    assert.equal((await tug(['import', file, `${R}/rt/gc:1`])).code, 0);
    assert.equal((await tug(['push', `${R}/rt/gc:1`])).code, 0);
    assert.equal((await tug(['rmi', `${R}/rt/gc:1`])).code, 0);
    const proxy = await startProxy(R);
    try {
      proxy.stallBlobsAfter = 1 << 20;
      const pulling = tug(['pull', '-q', `${proxy.host}/rt/gc:1`]);
      const partialDir = join(d.dataRoot, 'distribution', 'partial');
      while (!readdirSync(partialDir).some((f) => statSync(join(partialDir, f)).size >= 1 << 20)) await new Promise((r) => setTimeout(r, 50));
      // An image removal collects garbage: the config blob the pull already stored must stay.
      assert.equal((await tug(['tag', `${R}/rt/busybox:v1`, 'doomed:1'])).code, 0);
      assert.equal((await tug(['rmi', 'doomed:1'])).code, 0);
      assert.equal((await tug(['image', 'prune', '-f'])).code, 0);
      proxy.release();
      const done = await pulling;
      assert.equal(done.code, 0, done.stderr);
      const insp = await tug(['image', 'inspect', '-f', '{{.Os}} {{len .RootFS.Layers}}', `${proxy.host}/rt/gc:1`]);
      assert.equal(insp.stdout, 'linux 1\n', insp.stderr);
      assert.equal((await tug(['save', '-o', join(d.dir, 'gc-save.tar'), `${proxy.host}/rt/gc:1`])).code, 0, 'every blob of the image is there');
    } finally {
      await proxy.stop();
    }
  });

  it('API: bad input gets one line and the right status; two pulls of one image at once both succeed', async () => {
    const cases: [string, string, number, RegExp][] = [
      ['POST', '/images/create?fromImage=', 400, /fromImage or fromSrc is required/],
      ['POST', '/images/create?fromImage=UPPER', 400, /must be lowercase/],
      ['POST', `/images/create?fromImage=${R}/rt/busybox:v1&tag=v2`, 400, /both .* and tag v2 name a version/],
      ['POST', `/images/${R}/rt/busybox@sha256:${'a'.repeat(64)}/push`, 400, /cannot push a digest reference/],
      ['POST', '/images/nosuch/thing/push', 404, /An image does not exist locally with the tag: nosuch\/thing/],
      ['GET', '/images/search', 400, /a search term is required/],
      ['GET', `/images/search?term=${R}/x&limit=zero`, 400, /invalid limit: zero/],
      ['POST', '/auth', 400, /login requires a JSON body/],
    ];
    for (const [method, path, status, message] of cases) {
      const r = await d.api(method, path);
      assert.equal(r.status, status, `${method} ${path}: ${r.raw.toString()}`);
      assert.match((r.body as { message: string }).message, message);
    }
    const badAuth = await d.api('POST', '/auth', { username: 'x', password: 'y', serveraddress: R });
    assert.equal(badAuth.status, 200, 'a registry without auth accepts any login');
    assert.deepEqual(badAuth.body, { Status: 'Login Succeeded', IdentityToken: '' });
    // rt/big's layer is not in the store (the previous test removed it): one download serves both.
    assert.equal((await tug(['images', '-q', `${R}/rt/big`])).stdout, '');
    const [a, b] = await Promise.all([tug(['pull', `${R}/rt/big:1`]), tug(['pull', `${R}/rt/big:1`])]);
    assert.equal(a.code, 0, a.stderr);
    assert.equal(b.code, 0, b.stderr);
    // The later one may start after the first has unpacked the layer: then it already exists.
    assert.ok([a.stdout, b.stdout].every((o) => /: (Pull complete|Already exists)\n/.test(o)), a.stdout + b.stdout);
    assert.ok([a.stdout, b.stdout].some((o) => /: Pull complete\n/.test(o)), a.stdout + b.stdout);
    assert.match((await tug(['images', '-q', `${R}/rt/big`])).stdout, /^[0-9a-f]{12}\n$/);
  });

  it('run --pull: missing pulls after "Unable to find image", never refuses, always pulls', async () => {
    assert.equal((await tug(['rmi', '-f', `${R}/sibling/bb:x`])).code, 0);
    const never = await tug(['run', '--rm', '--pull', 'never', `${R}/sibling/bb:x`, 'true']);
    assert.equal(never.code, 125);
    assert.doesNotMatch(never.stderr, /Unable to find image/);
    const missing = await tug(['run', '--rm', `${R}/sibling/bb:x`, 'echo', 'ok']);
    assert.equal(missing.code, 0, missing.stderr);
    assert.equal(missing.stdout, 'ok\n');
    assert.match(missing.stderr, new RegExp(`^Unable to find image '${R}/sibling/bb:x' locally\nx: Pulling from sibling/bb\n`));
    const always = await tug(['create', '--pull', 'always', `${R}/sibling/bb:x`]);
    assert.equal(always.code, 0, always.stderr);
    assert.match(always.stderr, /Status: Image is up to date for/);
    assert.ok(existsSync(d.dataRoot));
  });
});

describe('registry credentials (docker-registry with htpasswd)', () => {
  let d: TestDaemon;
  let reg: PeerRegistry;
  let env: NodeJS.ProcessEnv;
  const tug = (args: string[], input?: string) => d.tug(args, { env, input });

  before(async () => {
    d = await TestDaemon.start();
    reg = await startDistribution({ users: { alice: 's3cret' } });
    env = { DOCKER_CONFIG: join(d.dir, 'docker-config') };
    assert.equal((await tug(['bootstrap', 'busybox'])).code, 0);
    assert.equal((await tug(['tag', 'busybox', `${reg.host}/auth/bb:1`])).code, 0);
  });
  after(async () => {
    await d?.cleanup();
    await reg?.stop();
  });

  it('nothing is pushed or pulled without credentials; login stores docker\'s config.json; logout removes it', async () => {
    const anon = await tug(['push', `${reg.host}/auth/bb:1`]);
    assert.equal(anon.code, 1);
    assert.match(anon.stderr, /authentication required/);
    const wrong = await tug(['login', '-u', 'alice', '--password-stdin', reg.host], 'nope\n');
    assert.equal(wrong.code, 1);
    assert.match(wrong.stderr, /^Error response from daemon: login attempt to http:\/\/127\.0\.0\.1:\d+\/v2\/ failed with status: 401 Unauthorized\n$/);
    const ok = await tug(['login', '-u', 'alice', '--password-stdin', reg.host], 's3cret\n');
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(ok.stdout, 'Login Succeeded\n');
    const cfg = JSON.parse(await runProcess('cat', [join(d.dir, 'docker-config', 'config.json')]).then((r) => r.stdout)) as { auths: Record<string, { auth: string }> };
    assert.equal(cfg.auths[reg.host]!.auth, Buffer.from('alice:s3cret').toString('base64'));
    const push = await tug(['push', `${reg.host}/auth/bb:1`]);
    assert.equal(push.code, 0, push.stderr);
    assert.equal((await tug(['rmi', `${reg.host}/auth/bb:1`])).code, 0);
    assert.equal((await tug(['pull', '-q', `${reg.host}/auth/bb:1`])).code, 0);
    const out = await tug(['logout', reg.host]);
    assert.equal(out.stdout, `Removing login credentials for ${reg.host}\n`);
    assert.equal((await tug(['logout', reg.host])).stdout, `Not logged in to ${reg.host}\n`);
    const denied = await tug(['pull', `${reg.host}/auth/bb:1`]);
    assert.equal(denied.code, 1);
    assert.match(denied.stderr, /authentication required/);
    const noTTY = await tug(['login', reg.host]);
    assert.equal(noTTY.code, 1);
    assert.equal(noTTY.stderr, 'Error: Cannot perform an interactive login from a non TTY device\n');
    const noUser = await tug(['login', '--password-stdin', reg.host], 'x');
    assert.equal(noUser.stderr, 'Must provide --username with --password-stdin\n');
  });

  it('credsStore and credHelpers: secrets go to docker-credential-<name>, as the docker CLI keeps them', async () => {
    const bin = mkdtempSync('/tmp/tug-credhelper-');
    const creds = join(bin, 'store');
    mkdirSync(creds);
    // A helper in the credential-helper protocol, keeping each server's JSON in a file.
    writeFileSync(join(bin, 'docker-credential-tugtest'), `#!/usr/bin/env node
const fs = require('fs');
const dir = ${JSON.stringify(creds)};
const file = (s) => dir + '/' + Buffer.from(s.trim()).toString('hex');
const notFound = () => { process.stdout.write('credentials not found in native keychain\\n'); process.exit(1); };
let input = '';
process.stdin.on('data', (d) => { input += d; }).on('end', () => {
  const action = process.argv[2];
  if (action === 'store') fs.writeFileSync(file(JSON.parse(input).ServerURL), input);
  else if (action === 'get') { try { process.stdout.write(fs.readFileSync(file(input))); } catch { notFound(); } }
  else if (action === 'erase') { try { fs.unlinkSync(file(input)); } catch { notFound(); } }
  else if (action === 'list') process.stdout.write(JSON.stringify(Object.fromEntries(fs.readdirSync(dir).map((f) => { const j = JSON.parse(fs.readFileSync(dir + '/' + f)); return [j.ServerURL, j.Username]; }))));
});
`, { mode: 0o755 });
    const cfgDir = join(d.dir, 'helper-config');
    mkdirSync(cfgDir);
    const cfgFile = join(cfgDir, 'config.json');
    const henv = { DOCKER_CONFIG: cfgDir, PATH: `${bin}:${process.env.PATH}` };
    const htug = (args: string[], input?: string) => d.tug(args, { env: henv, input });
    try {
      writeFileSync(cfgFile, JSON.stringify({ credsStore: 'tugtest' }));
      const ok = await htug(['login', '-u', 'alice', '--password-stdin', reg.host], 's3cret\n');
      assert.equal(ok.code, 0, ok.stderr);
      const cfg = JSON.parse(readFileSync(cfgFile, 'utf8')) as { auths: Record<string, object>; credsStore: string };
      assert.deepEqual(cfg.auths[reg.host], {}, 'the file only says a login exists');
      assert.equal(cfg.credsStore, 'tugtest');
      assert.match(readFileSync(join(creds, Buffer.from(reg.host).toString('hex')), 'utf8'), /"Secret":"s3cret"/);
      assert.equal((await htug(['push', `${reg.host}/auth/bb:1`])).code, 0);
      assert.equal((await htug(['rmi', `${reg.host}/auth/bb:1`])).code, 0);
      const pulled = await htug(['pull', '-q', `${reg.host}/auth/bb:1`]);
      assert.equal(pulled.code, 0, pulled.stderr);
      assert.equal((await htug(['logout', reg.host])).code, 0);
      assert.deepEqual(readdirSync(creds), [], 'logout erases the secret from the helper');
      assert.match((await htug(['pull', `${reg.host}/auth/bb:1`])).stderr, /authentication required/);

      // The real docker CLI logs in through the same helper; tug pulls with that login.
      const dlogin = await d.docker(['login', '-u', 'alice', '--password-stdin', reg.host], { input: 's3cret\n', env: henv });
      assert.equal(dlogin.code, 0, dlogin.stderr);
      assert.equal(readdirSync(creds).length, 1);
      assert.equal((await htug(['pull', '-q', `${reg.host}/auth/bb:1`])).code, 0);

      // credHelpers names the helper per registry, over credsStore.
      writeFileSync(cfgFile, JSON.stringify({ credsStore: 'nosuch', credHelpers: { [reg.host]: 'tugtest' }, auths: { [reg.host]: {} } }));
      assert.equal((await htug(['pull', '-q', `${reg.host}/auth/bb:1`])).code, 0);
      const missing = await htug(['pull', `localhost:1/other/x:1`]);
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /error getting credentials - err: exec: "docker-credential-nosuch": executable file not found in \$PATH/);
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });

  it('--insecure-registry: names and CIDRs show in /info as dockerd shows them', async () => {
    await d.stop();
    await d.startProcess(['--insecure-registry', 'registry.test:5000', '--insecure-registry', '10.0.0.0/8']);
    const info = (await d.api('GET', '/info')).body as { RegistryConfig: { InsecureRegistryCIDRs: string[]; IndexConfigs: Record<string, { Secure: boolean }> } };
    assert.deepEqual(info.RegistryConfig.InsecureRegistryCIDRs, ['::1/128', '127.0.0.0/8', '10.0.0.0/8']);
    assert.equal(info.RegistryConfig.IndexConfigs['registry.test:5000']!.Secure, false);
    assert.equal(info.RegistryConfig.IndexConfigs['docker.io']!.Secure, true);
  });
});
