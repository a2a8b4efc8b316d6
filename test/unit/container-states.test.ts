// A container's State transitions as pure functions: start, failed start, exit.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exitedState, runningState, startFailedState, startFailureCode } from '../../src/containers/states.js';
import { ZERO_TIME, type ContainerState } from '../../src/containers/types.js';

const created: ContainerState = {
  Status: 'created', Running: false, Paused: false, Restarting: false, OOMKilled: false, Dead: false,
  Pid: 0, ExitCode: 0, Error: '', StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME,
};

describe('container states', () => {
  it('running: the PID and start time, a clean slate, health starting only with a check', () => {
    const before = { ...created, Status: 'exited' as const, ExitCode: 3, Error: 'x', OOMKilled: true, FinishedAt: '2026-12-01T00:00:00Z' };
    const s = runningState(before, 42, '2026-12-02T00:00:00.5Z', false);
    assert.deepEqual({ ...s }, { ...before, Status: 'running', Running: true, Pid: 42, ExitCode: 0, Error: '', OOMKilled: false, StartedAt: '2026-12-02T00:00:00.5Z', FinishedAt: ZERO_TIME });
    assert.equal(s.Health, undefined);
    assert.deepEqual(runningState(created, 7, '2026-12-02T00:00:00Z', true).Health, { Status: 'starting', FailingStreak: 0, Log: [] });
  });

  it('a failed start keeps the state before it, with the error and dockerd\'s code', () => {
    assert.deepEqual(startFailedState(created, 'exec: "nope": executable file not found in $PATH'), { ...created, Error: 'exec: "nope": executable file not found in $PATH', ExitCode: 127 });
    assert.equal(startFailureCode('open /bin/sh: permission denied'), 126);
    assert.equal(startFailureCode('something else'), 128);
  });

  it('exited: the code and OOM flag, and FinishedAt never before StartedAt', () => {
    const running = runningState(created, 9, '2026-12-02T00:00:01.000000500Z', false);
    const later = exitedState(running, 137, 1796169602_000000000n, true);
    assert.equal(later.Status, 'exited');
    assert.equal(later.Running, false);
    assert.equal(later.Pid, 0);
    assert.equal(later.ExitCode, 137);
    assert.equal(later.OOMKilled, true);
    assert.equal(later.FinishedAt, '2026-12-02T00:00:02Z');
    // The exit file's coarse mtime says 1 ms before the start: the start time stands in.
    const early = exitedState(running, 0, 1796169600_999000000n, false);
    assert.equal(early.FinishedAt, '2026-12-02T00:00:01.0000005Z');
  });
});
