// procStat reads /proc/PID/stat: the command name even with spaces and parentheses, the state, the start time.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { living, procStat } from '../../src/sys/proc.js';

describe('procStat', () => {
  it('reads a command name with spaces and parentheses, the state and the start time', async () => {
    const dir = mkdtempSync('/tmp/tug-proc-');
    const odd = join(dir, 'a (b) c');
    copyFileSync('/bin/sleep', odd);
    const child = spawn(odd, ['30'], { stdio: 'ignore' });
    try {
      await new Promise((r) => child.once('spawn', r));
      const p = procStat(child.pid!);
      assert.ok(p);
      assert.equal(p.comm, 'a (b) c');
      assert.ok(living(p));
      assert.ok(Number.isInteger(p.startTime) && p.startTime > 0);
      assert.ok(p.startTime >= procStat(process.pid)!.startTime);
    } finally {
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a process that has gone is undefined, and not living', () => {
    assert.equal(procStat(2 ** 22 + 1), undefined);
    assert.equal(living(undefined), false);
  });
});
