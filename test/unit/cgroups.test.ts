// Finding the host's cgroup2 mount and the remount that adds favordynmods.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { favordynmodsRemount, findCgroup2 } from '../../src/daemon/cgroups.js';

const HYBRID = `25 30 0:23 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
31 25 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;
const PURE_V2 = `27 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
`;
const V1_ONLY = `32 31 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
33 31 0:29 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
`;

describe('cgroup2 mount', () => {
  it('finds a hybrid host\'s unified mount and a pure v2 root, with their superblock options', () => {
    assert.deepEqual(findCgroup2(HYBRID), { path: '/sys/fs/cgroup/unified', options: ['rw'] });
    assert.deepEqual(findCgroup2(PURE_V2), { path: '/sys/fs/cgroup', options: ['rw', 'nsdelegate', 'memory_recursiveprot'] });
  });

  it('finds none on a v1-only host or in empty text', () => {
    assert.equal(findCgroup2(V1_ONLY), undefined);
    assert.equal(findCgroup2(''), undefined);
  });

  it('reads mountinfo\'s octal escapes in the mount point', () => {
    const line = '41 31 0:38 / /mnt/cg\\040two rw,relatime - cgroup2 cgroup2 rw\n';
    assert.equal(findCgroup2(line)?.path, '/mnt/cg two');
  });

  it('restates the options in force and adds favordynmods once', () => {
    assert.equal(favordynmodsRemount({ path: '/sys/fs/cgroup', options: ['rw', 'nsdelegate', 'memory_recursiveprot'] }), 'remount,nsdelegate,memory_recursiveprot,favordynmods');
    assert.equal(favordynmodsRemount({ path: '/sys/fs/cgroup/unified', options: ['rw'] }), 'remount,favordynmods');
    assert.equal(favordynmodsRemount({ path: '/sys/fs/cgroup', options: ['rw', 'nsdelegate', 'favordynmods'] }), undefined);
  });
});
