import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidParameterError } from '../../src/errors.js';
import { applyChange, applyChanges, splitWords } from '../../src/images/changes.js';

describe('import/commit changes', () => {
  const table: [string, object][] = [
    ['CMD ["/bin/sh", "-c", "x"]', { Cmd: ['/bin/sh', '-c', 'x'] }],
    ['CMD echo hi', { Cmd: ['/bin/sh', '-c', 'echo hi'] }],
    ['cmd ["a"]', { Cmd: ['a'] }],
    ['ENTRYPOINT ["/e"]', { Entrypoint: ['/e'] }],
    ['ENV A=1', { Env: ['A=1'] }],
    ['ENV A=1 B="x y"', { Env: ['A=1', 'B=x y'] }],
    ['ENV A hello world', { Env: ['A=hello world'] }],
    ['LABEL a=b "c d"=e', { Labels: { a: 'b', 'c d': 'e' } }],
    ['EXPOSE 80 443/tcp 53/udp', { ExposedPorts: { '80/tcp': {}, '443/tcp': {}, '53/udp': {} } }],
    ['EXPOSE 8000-8002', { ExposedPorts: { '8000/tcp': {}, '8001/tcp': {}, '8002/tcp': {} } }],
    ['VOLUME /data /logs', { Volumes: { '/data': {}, '/logs': {} } }],
    ['VOLUME ["/data"]', { Volumes: { '/data': {} } }],
    ['USER nobody:nogroup', { User: 'nobody:nogroup' }],
    ['WORKDIR /app', { WorkingDir: '/app' }],
    ['STOPSIGNAL SIGINT', { StopSignal: 'SIGINT' }],
    ['ONBUILD RUN make', { OnBuild: ['RUN make'] }],
  ];
  for (const [line, want] of table) {
    it(line, () => assert.deepEqual(applyChange({}, line), want));
  }

  it('resolves a relative WORKDIR against the current one', () => {
    assert.deepEqual(applyChanges({}, ['WORKDIR /a', 'WORKDIR b']), { WorkingDir: '/a/b' });
  });

  it('replaces an ENV variable already set', () => {
    assert.deepEqual(applyChanges({ Env: ['PATH=/bin', 'A=1'] }, ['ENV A=2']), { Env: ['PATH=/bin', 'A=2'] });
  });

  it('runs the shell form under the config\'s SHELL', () => {
    assert.deepEqual(applyChange({ Shell: ['/bin/bash', '-ec'] }, 'CMD make').Cmd, ['/bin/bash', '-ec', 'make']);
  });

  it('drops the CMD on a new ENTRYPOINT unless a CMD came before it in the list, as dockerd does', () => {
    const base = { Cmd: ['old'], Entrypoint: ['/old'] };
    assert.deepEqual(applyChanges(base, ['ENTRYPOINT ["/e"]']), { Entrypoint: ['/e'] });
    assert.deepEqual(applyChanges(base, ['CMD ["new"]', 'ENTRYPOINT ["/e"]']), { Cmd: ['new'], Entrypoint: ['/e'] });
    assert.deepEqual(applyChanges(base, ['ENTRYPOINT ["/e"]', 'CMD ["new"]']), { Cmd: ['new'], Entrypoint: ['/e'] });
    assert.deepEqual(applyChanges(base, ['LABEL a=b']), { ...base, Labels: { a: 'b' } });
  });

  it('does not mutate its input', () => {
    const input = { Env: ['A=1'] };
    applyChange(input, 'ENV B=2');
    assert.deepEqual(input, { Env: ['A=1'] });
  });

  for (const [line, message] of [
    ['RUN echo', 'RUN is not a valid change command'],
    ['FROM busybox', 'FROM is not a valid change command'],
    ['EXPOSE abc', 'invalid containerPort: abc'],
    ['EXPOSE 70000', 'invalid port range: 70000'],
    ['USER', 'USER requires exactly one argument'],
    ['ENV', 'ENV requires at least one argument'],
    ['LABEL =x', 'LABEL names can not be blank'],
    ['ENV A="unterminated', 'unmatched quote in: A="unterminated'],
  ]) {
    it(`refuses ${line}`, () => {
      assert.throws(() => applyChange({}, line!), (err: unknown) => err instanceof InvalidParameterError && err.message === message);
    });
  }

  it('splits words with quotes and escapes', () => {
    assert.deepEqual(splitWords(`a "b c" 'd e' f\\ g`), ['a', 'b c', 'd e', 'f g']);
    assert.deepEqual(splitWords('x=""'), ['x=']);
  });

  it('never throws anything but InvalidParameterError on random input (fuzz)', () => {
    let seed = 42;
    const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
    const alphabet = ['CMD', 'ENV', 'EXPOSE', 'LABEL', ' ', '=', '"', "'", '\\', '[', ']', ',', 'a', '1', '/', '-', 'udp', '\n'];
    for (let i = 0; i < 3000; i++) {
      let line = '';
      const n = Math.floor(rand() * 12);
      for (let j = 0; j < n; j++) line += alphabet[Math.floor(rand() * alphabet.length)];
      try {
        applyChange({}, line);
      } catch (err) {
        assert.ok(err instanceof InvalidParameterError, `${JSON.stringify(line)}: ${String(err)}`);
      }
    }
  });
});
