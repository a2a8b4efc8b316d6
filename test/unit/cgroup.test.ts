// A container's cgroup path as dockerd's cgroupfs driver names it, and where a relative
// --cgroup-parent lands: under this process's own cgroup of each hierarchy.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { cgroupPath, parseOwnCgroups, resolveCgroup } from '../../src/containers/cgroup.js';

const ID = 'f'.repeat(64);

describe('container cgroup', () => {
  it('is <parent>/<id>, the parent /tug unless --cgroup-parent gives one', () => {
    assert.equal(cgroupPath({ ID, HostConfig: {} }), `/tug/${ID}`);
    assert.equal(cgroupPath({ ID, HostConfig: { CgroupParent: '' } }), `/tug/${ID}`);
    assert.equal(cgroupPath({ ID, HostConfig: { CgroupParent: '/ci/jobs/' } }), `/ci/jobs/${ID}`);
    assert.equal(cgroupPath({ ID, HostConfig: { CgroupParent: 'mine' } }), `mine/${ID}`);
  });

  it('reads each hierarchy\'s own cgroup from /proc/self/cgroup (v1 lists, named ones, v2)', () => {
    const own = parseOwnCgroups('9:name=systemd:/\n4:memory:/process_api/abc\n2:cpu,cpuacct:/svc\n0::/user.slice\n');
    assert.equal(own.get('memory'), '/process_api/abc');
    assert.equal(own.get('cpu'), '/svc');
    assert.equal(own.get('cpuacct'), '/svc');
    assert.equal(own.get('name=systemd'), '/');
    assert.equal(own.get(''), '/user.slice');
  });

  it('resolves a relative path under this process\'s cgroup of the hierarchy, an absolute one as it is', () => {
    const own = parseOwnCgroups(readFileSync('/proc/self/cgroup', 'utf8'));
    assert.equal(resolveCgroup(`/tug/${ID}`, 'memory'), `/tug/${ID}`);
    const base = own.get('memory') ?? own.get('') ?? '/';
    assert.equal(resolveCgroup(`mine/${ID}`, own.has('memory') ? 'memory' : ''), `${base === '/' ? '' : base}/mine/${ID}`);
  });
});
