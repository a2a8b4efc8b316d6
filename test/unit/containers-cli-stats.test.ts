// `tug stats` arithmetic and columns, as docker/cli computes them from one StatsResponse
// (which carries the previous sample's CPU counters in precpu_stats), on cgroup v1 and v2.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  blockIO, cpuPercentUnix, emptyEntry, memPercent, memUsageNoCache, networkIO, redrawFrame, statsEntry, statsFormat, statsRow,
} from '../../src/cli/commands/containers/stats-format.js';
import { render } from '../../src/cli/format/table.js';
import { STATS_HEADERS } from '../../src/cli/commands/containers/stats-format.js';
import type { ContainerStats } from '../../src/types/container-views.js';

const GiB = 1024 ** 3;

function sample(over: Partial<ContainerStats> = {}): ContainerStats {
  return {
    name: '/web',
    id: 'a'.repeat(64),
    read: '2024-05-01T12:00:01Z',
    preread: '2024-05-01T12:00:00Z',
    cpu_stats: { cpu_usage: { total_usage: 3_000_000_000, usage_in_kernelmode: 0, usage_in_usermode: 0 }, system_cpu_usage: 200_000_000_000, online_cpus: 4 },
    precpu_stats: { cpu_usage: { total_usage: 2_000_000_000, usage_in_kernelmode: 0, usage_in_usermode: 0 }, system_cpu_usage: 196_000_000_000, online_cpus: 4 },
    memory_stats: { usage: 100 * 1024 * 1024, limit: 2 * GiB, stats: { inactive_file: 20 * 1024 * 1024, anon: 80 * 1024 * 1024 } },
    pids_stats: { current: 7 },
    blkio_stats: { io_service_bytes_recursive: [
      { major: 8, minor: 0, op: 'read', value: 1_000_000 }, { major: 8, minor: 0, op: 'write', value: 2_000 },
      { major: 8, minor: 16, op: 'Read', value: 500_000 }, { major: 8, minor: 16, op: 'Total', value: 9 },
    ] },
    networks: {
      eth0: { rx_bytes: 1500, rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_bytes: 648, tx_packets: 0, tx_errors: 0, tx_dropped: 0 },
      eth1: { rx_bytes: 500, rx_packets: 0, rx_errors: 0, rx_dropped: 0, tx_bytes: 352, tx_packets: 0, tx_errors: 0, tx_dropped: 0 },
    },
    ...over,
  };
}

describe('stats arithmetic', () => {
  it('CPU %: the container\'s delta over the host\'s, times the CPUs online', () => {
    // 1e9 ns of 4e9 ns of host time on 4 CPUs: one whole CPU.
    assert.equal(cpuPercentUnix(sample()), 100);
  });

  it('CPU %: counts the per-CPU list when online_cpus is absent (cgroup v1 daemons before 1.27)', () => {
    const v = sample();
    v.cpu_stats = { cpu_usage: { total_usage: 3_000_000_000, percpu_usage: [1, 2], usage_in_kernelmode: 0, usage_in_usermode: 0 }, system_cpu_usage: 200_000_000_000 };
    assert.equal(cpuPercentUnix(v), 50);
  });

  it('CPU %: from zero counters when precpu is empty, and zero when a delta is not positive', () => {
    assert.equal(cpuPercentUnix(sample({ precpu_stats: { cpu_usage: { total_usage: 0, usage_in_kernelmode: 0, usage_in_usermode: 0 } } })), 6);
    const stale = sample();
    stale.precpu_stats = stale.cpu_stats;
    assert.equal(cpuPercentUnix(stale), 0);
  });

  it('memory without the inactive file cache: total_inactive_file on v1, inactive_file on v2', () => {
    assert.equal(memUsageNoCache({ usage: 1000, stats: { total_inactive_file: 300, inactive_file: 100 } }), 700);
    assert.equal(memUsageNoCache({ usage: 1000, stats: { inactive_file: 100 } }), 900);
    // A v1 counter larger than the usage is ignored, then v2's rule applies.
    assert.equal(memUsageNoCache({ usage: 1000, stats: { total_inactive_file: 5000 } }), 1000);
    assert.equal(memUsageNoCache({ usage: 1000, stats: { inactive_file: 1000 } }), 1000);
    assert.equal(memUsageNoCache({}), 0);
    assert.equal(memPercent(0, 10), 0);
    assert.equal(memPercent(200, 50), 25);
  });

  it('block I/O by op initial (r/R, w/W), network summed over interfaces', () => {
    assert.deepEqual(blockIO(sample().blkio_stats), [1_500_000, 2_000]);
    assert.deepEqual(blockIO({ io_service_bytes_recursive: null }), [0, 0]);
    assert.deepEqual(networkIO(sample().networks), [2000, 1000]);
    assert.deepEqual(networkIO(undefined), [0, 0]);
  });
});

describe('stats columns', () => {
  it('one entry as docker prints it', () => {
    const row = statsRow(statsEntry('web', sample()), true);
    assert.deepEqual({ ...row }, {
      Container: 'web', Name: 'web', ID: 'aaaaaaaaaaaa', CPUPerc: '100.00%', MemUsage: '80MiB / 2GiB', MemPerc: '3.91%',
      NetIO: '2kB / 1kB', BlockIO: '1.5MB / 2kB', PIDs: '7',
    });
    assert.equal(statsRow(statsEntry('web', sample()), false).ID, 'a'.repeat(64));
  });

  it('an invalid entry (no sample, or an error) shows dashes', () => {
    const row = statsRow({ ...emptyEntry('x'), IsInvalid: true }, true);
    assert.deepEqual([row.Name, row.CPUPerc, row.MemUsage, row.MemPerc, row.NetIO, row.BlockIO, row.PIDs], ['--', '--', '-- / --', '--', '--', '--', '--']);
  });

  it('the default table and --format json', () => {
    const rows = [statsRow(statsEntry('web', sample()), true)];
    assert.equal(render(statsFormat(''), rows, STATS_HEADERS), [
      'CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT   MEM %     NET I/O     BLOCK I/O     PIDS',
      'aaaaaaaaaaaa   web       100.00%   80MiB / 2GiB        3.91%     2kB / 1kB   1.5MB / 2kB   7',
      '',
    ].join('\n'));
    assert.equal(render(statsFormat('json'), rows, STATS_HEADERS),
      '{"BlockIO":"1.5MB / 2kB","CPUPerc":"100.00%","Container":"web","ID":"aaaaaaaaaaaa","MemPerc":"3.91%","MemUsage":"80MiB / 2GiB","Name":"web","NetIO":"2kB / 1kB","PIDs":"7"}\n');
  });

  it('the live view: home, each line cleared to its end, the rest of the screen cleared', () => {
    assert.equal(redrawFrame('A\nB\n'), '\x1b[HA\x1b[K\nB\x1b[K\n\x1b[K\n\x1b[J');
  });
});
