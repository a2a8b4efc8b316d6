import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidParameterError } from '../../src/errors.js';
import { DockerfileError, envLookup, expand, parseDockerfile, splitWords } from '../../src/build/dockerfile/index.js';
import { mulberry32 } from '../helpers/random.js';

function only(text: string) {
  const df = parseDockerfile(`FROM scratch\n${text}`);
  assert.equal(df.stages[0]!.instructions.length, 1);
  const { line: _l, original: _o, ...rest } = df.stages[0]!.instructions[0]!;
  return rest;
}

describe('Dockerfile instructions', () => {
  const table: [string, object][] = [
    ['RUN echo hi', { kind: 'RUN', flags: {}, command: { shell: 'echo hi' }, heredocs: [] }],
    ['RUN ["echo", "hi"]', { kind: 'RUN', flags: {}, command: { json: ['echo', 'hi'] }, heredocs: [] }],
    ['RUN [not json', { kind: 'RUN', flags: {}, command: { shell: '[not json' }, heredocs: [] }],
    ['RUN --mount=type=cache,target=/root/.npm npm ci', { kind: 'RUN', flags: { mount: 'type=cache,target=/root/.npm' }, command: { shell: 'npm ci' }, heredocs: [] }],
    ['CMD ["helloworld"]', { kind: 'CMD', flags: {}, command: { json: ['helloworld'] } }],
    ['ENTRYPOINT exec top -b', { kind: 'ENTRYPOINT', flags: {}, command: { shell: 'exec top -b' } }],
    ['ENV A=1 B="x y"', { kind: 'ENV', flags: {}, pairs: [['A', '1'], ['B', '"x y"']] }],
    ['ENV A hello world', { kind: 'ENV', flags: {}, pairs: [['A', 'hello world']] }],
    ['LABEL "com.x"=y', { kind: 'LABEL', flags: {}, pairs: [['"com.x"', 'y']] }],
    ['EXPOSE 80 53/udp', { kind: 'EXPOSE', flags: {}, ports: ['80', '53/udp'] }],
    ['COPY --chown=1:2 --chmod=0755 a b /dst/', { kind: 'COPY', flags: { chown: '1:2', chmod: '0755' }, sources: ['a', 'b'], dest: '/dst/', heredocs: [] }],
    ['COPY --from=build /out /app', { kind: 'COPY', flags: { from: 'build' }, sources: ['/out'], dest: '/app', heredocs: [] }],
    ['COPY ["a b", "/c d"]', { kind: 'COPY', flags: {}, sources: ['a b'], dest: '/c d', heredocs: [] }],
    ['ADD --link x.tar /', { kind: 'ADD', flags: { link: true }, sources: ['x.tar'], dest: '/', heredocs: [] }],
    ['VOLUME /a /b', { kind: 'VOLUME', flags: {}, paths: ['/a', '/b'], json: false }],
    ['VOLUME ["/a"]', { kind: 'VOLUME', flags: {}, paths: ['/a'], json: true }],
    ['USER app:app', { kind: 'USER', flags: {}, value: 'app:app' }],
    ['WORKDIR /app', { kind: 'WORKDIR', flags: {}, value: '/app' }],
    ['STOPSIGNAL SIGINT', { kind: 'STOPSIGNAL', flags: {}, value: 'SIGINT' }],
    ['ARG A B=2', { kind: 'ARG', flags: {}, args: [{ name: 'A' }, { name: 'B', value: '2' }] }],
    ['SHELL ["/bin/bash", "-c"]', { kind: 'SHELL', flags: {}, shell: ['/bin/bash', '-c'] }],
    ['HEALTHCHECK NONE', { kind: 'HEALTHCHECK', flags: {}, test: ['NONE'] }],
    ['HEALTHCHECK --interval=5s --retries=3 CMD curl -f http://x/', {
      kind: 'HEALTHCHECK', flags: { interval: '5s', retries: '3' }, test: ['CMD-SHELL', 'curl -f http://x/'],
      interval: 5e9, timeout: undefined, startPeriod: undefined, startInterval: undefined, retries: 3,
    }],
    ['healthcheck CMD ["true"]', {
      kind: 'HEALTHCHECK', flags: {}, test: ['CMD', 'true'],
      interval: undefined, timeout: undefined, startPeriod: undefined, startInterval: undefined, retries: undefined,
    }],
  ];
  for (const [text, want] of table) it(text, () => assert.deepEqual(only(text), want));

  it('keeps ONBUILD triggers parsed', () => {
    const got = only('ONBUILD RUN make') as { trigger: { kind: string }; expression: string };
    assert.equal(got.trigger.kind, 'RUN');
    assert.equal(got.expression, 'RUN make');
  });
});

describe('Dockerfile layout', () => {
  it('joins continuations, skipping comments and blank lines inside them', () => {
    const df = parseDockerfile('FROM busybox\nRUN echo a \\\n# note\n\n  && echo b\nCMD x');
    const run = df.stages[0]!.instructions[0]!;
    assert.deepEqual(run.kind === 'RUN' && run.command, { shell: 'echo a   && echo b' });
    assert.equal(df.stages[0]!.instructions[1]!.line, 6);
  });

  it('honours the escape directive', () => {
    const df = parseDockerfile('# escape=`\nFROM busybox\nRUN dir c:\\ `\n  && echo x');
    const run = df.stages[0]!.instructions[0]!;
    assert.equal(df.directives.escape, '`');
    assert.deepEqual(run.kind === 'RUN' && run.command, { shell: 'dir c:\\   && echo x' });
  });

  it('reads the syntax directive and stops directives at the first other line', () => {
    const df = parseDockerfile('# syntax=docker/dockerfile:1\n# escape=`\nFROM busybox');
    assert.equal(df.directives.syntax, 'docker/dockerfile:1');
    const late = parseDockerfile('FROM busybox\n# escape=`\nRUN a \\\n b');
    assert.equal(late.directives.escape, '\\');
  });

  it('reads heredocs for RUN and COPY', () => {
    const df = parseDockerfile('FROM busybox\nRUN <<EOF\necho $HOME\nEOF\nCOPY <<-"END" /f\n\tliteral $X\n\tEND\nCMD x');
    const [run, copy, cmd] = df.stages[0]!.instructions;
    assert.deepEqual(run!.kind === 'RUN' && run!.heredocs, [{ name: 'EOF', content: 'echo $HOME\n', expand: true }]);
    assert.deepEqual(copy!.kind === 'COPY' && copy!.heredocs, [{ name: 'END', content: 'literal $X\n', expand: false }]);
    assert.equal(cmd!.line, 8);
  });

  it('splits stages, with ARGs before the first FROM', () => {
    const df = parseDockerfile('ARG BASE=busybox\nFROM $BASE AS build\nRUN x\nFROM build\nCOPY --from=build /a /b');
    assert.equal(df.metaArgs.length, 1);
    assert.deepEqual(df.stages.map((s) => [s.name, s.from.image, s.instructions.length]), [['build', '$BASE', 1], [undefined, 'build', 1]]);
  });
});

describe('bad Dockerfiles name the line', () => {
  const table: [string, string][] = [
    ['FROM busybox\nRUN x\nCOPPY a b', 'Dockerfile:3: unknown instruction: COPPY'],
    ['', 'Dockerfile:1: file with no instructions'],
    ['RUN x', 'Dockerfile:1: no build stage in current context: RUN comes before the first FROM'],
    ['FROM a b', 'Dockerfile:1: FROM requires either one or three arguments'],
    ['FROM busybox\nCOPY onlyone', 'Dockerfile:2: COPY requires at least two arguments, but only one was provided. Destination could not be determined.'],
    ['FROM busybox\nCOPY --frum=x a b', 'Dockerfile:2: unknown flag: frum'],
    ['FROM busybox\nENV', 'Dockerfile:2: ENV requires at least one argument'],
    ['FROM busybox\nENV A', 'Dockerfile:2: ENV must have two arguments'],
    ['FROM busybox\nLABEL a=b c', 'Dockerfile:2: Syntax error - can\'t find = in "c". Must be of the form: name=value'],
    ['FROM busybox\nUSER a b', 'Dockerfile:2: USER requires exactly one argument'],
    ['FROM busybox\nSHELL /bin/sh', 'Dockerfile:2: SHELL requires the arguments to be in JSON form'],
    ['FROM busybox\nONBUILD ONBUILD RUN x', "Dockerfile:2: Chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed"],
    ['FROM busybox\nONBUILD FROM x', "Dockerfile:2: FROM isn't allowed as an ONBUILD trigger"],
    ['FROM busybox\nHEALTHCHECK --interval=x CMD true', 'Dockerfile:2: time: invalid duration "x"'],
    ['FROM busybox\nHEALTHCHECK GET /', 'Dockerfile:2: Unknown type "GET" in HEALTHCHECK (try CMD)'],
    ['FROM a AS x\nFROM b AS x', 'Dockerfile:2: duplicate stage name "x"'],
    ['FROM busybox\nRUN <<EOF\necho', 'Dockerfile:2: unterminated heredoc EOF'],
    ['# escape=x\nFROM a', "Dockerfile:1: invalid escape token 'x' does not match ` or \\"],
  ];
  for (const [text, message] of table) {
    it(message, () => assert.throws(() => parseDockerfile(text), (err: unknown) => err instanceof DockerfileError && err instanceof InvalidParameterError && err.message === message));
  }

  it('uses the -f file name', () => {
    assert.throws(() => parseDockerfile('FROM a\nNOPE', 'app.Dockerfile'), { message: 'app.Dockerfile:2: unknown instruction: NOPE' });
  });
});

describe('variable substitution', () => {
  const env = envLookup(['A=a', 'EMPTY=', 'SP=x y']);
  const table: [string, string][] = [
    ['$A', 'a'],
    ['${A}b', 'ab'],
    ['$Ab', ''],
    ['${UNSET:-d}', 'd'],
    ['${EMPTY:-d}', 'd'],
    ['${EMPTY-d}', ''],
    ['${A:+set}', 'set'],
    ['${UNSET:+set}', ''],
    ['${EMPTY+set}', 'set'],
    ['\\$A', '$A'],
    ["'$A'", '$A'],
    ['"$A"', 'a'],
    ['"\\$A"', '$A'],
    ['"a\\b"', 'a\\b'],
    ['"${SP}"', 'x y'],
    ['${UNSET:-${A}}', 'a'],
    ['$', '$'],
    ['a$-b', 'a$-b'],
  ];
  for (const [word, want] of table) it(`${word} → ${want}`, () => assert.equal(expand(word, env), want));

  it('fails on ${V:?msg} when unset', () => {
    assert.throws(() => expand('${UNSET:?needed}', env), { message: 'UNSET: needed' });
  });

  it('splits words keeping quotes for later expansion', () => {
    assert.deepEqual(splitWords('a "b c" d\\ e \'f g\''), ['a', '"b c"', 'd\\ e', "'f g'"]);
  });
});

describe('parser fuzz', () => {
  it('never throws anything but a DockerfileError or InvalidParameterError', () => {
    const rand = mulberry32(4242);
    const pieces = ['FROM busybox', 'RUN ', 'COPY ', '\\', '\n', '#', ' ', '"', "'", '[', ']', '$', '{', '}', '<<EOF', 'EOF', '--from=', 'AS', 'ONBUILD ', 'HEALTHCHECK ', 'CMD', '=', 'ENV ', 'ARG ', '`', '# escape=`\n', ':-'];
    for (let n = 0; n < 3000; n++) {
      let s = '';
      const len = Math.floor(rand() * 20);
      for (let i = 0; i < len; i++) s += pieces[Math.floor(rand() * pieces.length)]!;
      try {
        const df = parseDockerfile(s);
        assert.ok(df.stages.length >= 1);
        for (const st of df.stages) for (const ins of st.instructions) assert.ok(ins.line >= 1);
      } catch (err) {
        assert.ok(err instanceof InvalidParameterError, `seed case ${n}: ${JSON.stringify(s)} threw ${String(err)}`);
        assert.match((err as Error).message, /^Dockerfile:\d+: /);
      }
      for (const w of splitWords(s)) {
        try {
          expand(w, envLookup(['A=1']));
        } catch (err) {
          assert.ok(err instanceof InvalidParameterError, `expand ${JSON.stringify(w)} threw ${String(err)}`);
        }
      }
    }
  });
});
