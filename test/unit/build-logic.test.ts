import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { explainMiss, keyOf, slotOf } from '../../src/build/cache.js';
import { DockerIgnore } from '../../src/build/context/dockerignore.js';
import { applyMetadata } from '../../src/build/metadata.js';
import { StageOutput } from '../../src/build/output.js';
import { neededStages } from '../../src/build/builder.js';
import { cacheMounts } from '../../src/build/mounts.js';
import { parseDockerfile, envLookup } from '../../src/build/dockerfile/index.js';
import { InvalidParameterError } from '../../src/errors.js';
import { mulberry32 } from '../helpers/random.js';

describe('.dockerignore', () => {
  const table: [string, string, boolean][] = [
    ['*.log', 'a.log', true],
    ['*.log', 'dir/a.log', false],
    ['**/*.log', 'dir/sub/a.log', true],
    ['**/*.log', 'a.log', true],
    ['dir', 'dir/file', true],
    ['dir/', 'dir/file', true],
    ['/dir', 'dir', true],
    ['./dir/*.tmp', 'dir/x.tmp', true],
    ['a?c', 'abc', true],
    ['a?c', 'a/c', false],
    ['[a-c]x', 'bx', true],
    ['[!a-c]x', 'bx', false],
    ['docs/**', 'docs/a/b', true],
    ['#comment', '#comment', false],
  ];
  for (const [pattern, path, want] of table) {
    it(`${pattern} ${want ? 'ignores' : 'keeps'} ${path}`, () => assert.equal(new DockerIgnore(pattern).ignored(path), want));
  }

  it('the last matching line wins; exceptions bring files back', () => {
    const ig = new DockerIgnore('secret\n!secret/keep\n*.md\n!README.md\nREADME.md\n');
    assert.equal(ig.ignored('secret/key'), true);
    assert.equal(ig.ignored('secret/keep'), false);
    assert.equal(ig.ignored('x.md'), true);
    assert.equal(ig.ignored('README.md'), true);
    assert.equal(ig.hasExceptions, true);
  });

  it('the Dockerfile and .dockerignore always go', () => {
    const ig = new DockerIgnore('*\n', ['Dockerfile', '.dockerignore']);
    assert.deepEqual(['Dockerfile', '.dockerignore', 'x'].map((p) => ig.ignored(p)), [false, false, true]);
  });

  it('fuzz: matches or refuses a pattern with a clear error, nothing else', () => {
    const rand = mulberry32(99);
    const alphabet = ['*', '**', '?', '[', ']', '!', '/', 'a', '.', '\\', '\n', '#', ' ', '-'];
    for (let n = 0; n < 2000; n++) {
      let s = '';
      for (let i = 0; i < 12; i++) s += alphabet[Math.floor(rand() * alphabet.length)]!;
      try {
        assert.equal(typeof new DockerIgnore(s).ignored('a/b.c'), 'boolean');
      } catch (err) {
        assert.ok(err instanceof InvalidParameterError, `${JSON.stringify(s)}: ${String(err)}`);
        assert.match(err.message, /^syntax error in \.dockerignore pattern: /);
      }
    }
  });
});

describe('build cache keys', () => {
  it('same inputs give the same key; files, args and parent change it; the slot ignores inputs', () => {
    const base = { parent: 'sha256:p', instruction: 'COPY . /app', files: { 'a.js': '1' }, args: { V: '1' } };
    assert.equal(keyOf(base), keyOf({ ...base, files: { 'a.js': '1' } }));
    assert.notEqual(keyOf(base), keyOf({ ...base, files: { 'a.js': '2' } }));
    assert.notEqual(keyOf(base), keyOf({ ...base, args: { V: '2' } }));
    assert.notEqual(keyOf(base), keyOf({ ...base, parent: 'sha256:q' }));
    assert.equal(slotOf(base), slotOf({ ...base, files: { 'a.js': '2' } }));
  });

  it('explains a miss by what changed', () => {
    const last = { key: 'k', slot: 's', image: 'i', created: '', files: { 'src/a.js': '1', 'src/b.js': '1' }, args: { V: '1' } };
    assert.equal(explainMiss({ parent: 'p', instruction: 'x', files: { 'src/a.js': '2', 'src/b.js': '1' }, args: { V: '1' } }, last), 'src/a.js changed');
    assert.equal(explainMiss({ parent: 'p', instruction: 'x', files: { 'src/b.js': '1', 'src/c.js': '1' }, args: { V: '2' } }, last), 'build arg V changed, src/c.js added, src/a.js removed');
    assert.equal(explainMiss({ parent: 'p', instruction: 'x' }, undefined), 'not built before on this parent image');
    const many = Object.fromEntries(Array.from({ length: 6 }, (_, i) => [`f${i}`, 'x']));
    assert.equal(explainMiss({ parent: 'p', instruction: 'x', files: many }, { ...last, files: {}, args: {} }), 'f0 added, f1 added, f2 added and 3 more');
  });
});

describe('metadata steps', () => {
  const ctx = { lookup: envLookup(['HOME=/root']), escape: '\\', shell: ['/bin/sh', '-c'] };
  const step = (line: string, config = {}, cmdSet = false) => applyMetadata(config, parseDockerfile(`FROM x\n${line}`).stages[0]!.instructions[0]!, ctx, cmdSet);

  it('WORKDIR resolves against the current one and expands variables', () => {
    assert.equal(step('WORKDIR $HOME/app', { WorkingDir: '/srv' }).config.WorkingDir, '/root/app');
    assert.equal(step('WORKDIR ../up', { WorkingDir: '/a/b' }).config.WorkingDir, '/a/up');
  });

  it('CMD shell form uses the stage shell; ENTRYPOINT keeps a CMD set in this build', () => {
    assert.deepEqual(step('CMD echo hi', {}).config.Cmd, ['/bin/sh', '-c', 'echo hi']);
    assert.deepEqual(step('ENTRYPOINT ["/e"]', { Cmd: ['base'] }, true).config.Cmd, ['base']);
    assert.equal(step('ENTRYPOINT ["/e"]', { Cmd: ['base'] }, false).config.Cmd, null);
  });

  it('bad ports are errors', () => {
    assert.throws(() => step('EXPOSE 70000'), InvalidParameterError);
    assert.throws(() => step('EXPOSE http'), /invalid containerPort: http/);
  });
});

describe('stage graph and output order', () => {
  it('needs only what the target reaches, by FROM and COPY --from', () => {
    const df = parseDockerfile('FROM busybox AS a\nFROM busybox AS b\nFROM a AS c\nCOPY --from=b /x /x\nFROM busybox AS d\nFROM c\n');
    const resolve = (ref: string, before: number) => {
      const i = df.stages.findIndex((s, j) => j < before && s.name === ref);
      return i >= 0 ? i : undefined;
    };
    assert.deepEqual(neededStages(df, 4, resolve, (s) => s.from.image), [0, 1, 2, 4]);
    assert.deepEqual(neededStages(df, 3, resolve, (s) => s.from.image), [3]);
  });

  it('later stages are held until the ones before them are done', () => {
    const got: unknown[] = [];
    const out = new StageOutput([0, 2, 5], (t) => got.push(t));
    out.writer(2)('b1');
    out.progressWriter(2)({ status: 'Pulling fs layer', id: 'abc' });
    out.writer(0)('a1');
    out.writer(5)('c1');
    out.done(2);
    assert.deepEqual(got, ['a1']);
    out.done(0);
    assert.deepEqual(got, ['a1', 'b1', { status: 'Pulling fs layer', id: 'abc' }, 'c1']);
    out.writer(5)('c2');
    assert.deepEqual(got, ['a1', 'b1', { status: 'Pulling fs layer', id: 'abc' }, 'c1', 'c2']);
  });
});

describe('RUN --mount', () => {
  it('type=cache with target and id; other types are refused', () => {
    const [m] = cacheMounts('type=cache,target=/root/.npm', '/cache', (w) => w);
    assert.equal(m!.target, '/root/.npm');
    assert.match(m!.host, /^\/cache\/[0-9a-f]{32}$/);
    const [same] = cacheMounts('type=cache,id=npm,target=/x', '/cache', (w) => w);
    const [other] = cacheMounts('type=cache,id=npm,target=/y', '/cache', (w) => w);
    assert.equal(same!.host, other!.host);
    assert.throws(() => cacheMounts('type=secret,id=x', '/c', (w) => w), { message: 'RUN --mount=type=secret is not supported (only type=cache)' });
    assert.throws(() => cacheMounts('type=cache', '/c', (w) => w), { message: 'RUN --mount=type=cache needs a target' });
  });
});

describe('tug build --progress=tty', () => {
  it('draws one live line per stage, then prints the log in stage order', async () => {
    const { LiveView } = await import('../../src/cli/commands/build-tty.js');
    let screen = '';
    const v = new LiveView((s) => { screen += s; }, 40);
    v.add({ stream: 'Step 1/4 : FROM busybox AS a\n', id: '#0' });
    v.add({ stream: 'Step 3/4 : FROM busybox\n', id: '#1' });
    v.add({ stream: 'a very long line of output that will not fit in forty columns\n', id: '#0' });
    assert.match(screen, /\x1b\[2A\x1b\[2K\[stage 0\] Step 1\/4 : FROM busybox AS a …\n\x1b\[2K\[stage 1\] Step 3\/4 : FROM busybox\n$/);
    v.add({ stream: 'Successfully built abc\n' });
    screen = '';
    v.finish();
    assert.equal(screen, '\x1b[2A\x1b[JStep 1/4 : FROM busybox AS a\na very long line of output that will not fit in forty columns\nStep 3/4 : FROM busybox\nSuccessfully built abc\n');
  });
});
