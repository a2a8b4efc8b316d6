// Benchmarks of json-file logs: a container writing 100 MB of lines, from `run -d` to `wait`
// (tugd converts conmon's journal as it grows, and all of it before the exit is reported), and
// `logs` reading a whole 20 MB json-file log. Called by scripts/bench.mjs with its helpers.

/** Adds its medians to `results`; `tug` runs the CLI (throwing on failure), `time` takes a median of n runs. */
export async function benchLogs(results, { tug, time }) {
  const writer = "head -c 100000000 /dev/zero | tr '\\0' y | fold -w 100";
  results['tug run -d + wait of a container writing 100 MB of 100-byte lines (ms)'] = time((i) => {
    tug(['run', '-d', '--name', `bench-ship-${i}`, '--log-opt', 'max-size=1g', 'busybox', 'sh', '-c', writer]);
    tug(['wait', `bench-ship-${i}`]);
  }, 3);
  for (let i = 0; i < 3; i++) tug(['rm', `bench-ship-${i}`]);
  tug(['run', '--name', 'bench-read', '-d', '--log-opt', 'max-size=1g', 'busybox', 'sh', '-c', "head -c 20000000 /dev/zero | tr '\\0' z | fold -w 100"]);
  tug(['wait', 'bench-read']);
  results['tug logs of a 20 MB json-file log, every line (ms)'] = time(() => tug(['logs', 'bench-read'], { stdio: ['ignore', 'ignore', 'pipe'] }), 5);
  tug(['rm', 'bench-read']);
}
