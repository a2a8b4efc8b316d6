// Benchmarks of a container's filesystem and logs: cp both ways, diff, export, commit, and
// logs --tail on a large log. Called by scripts/bench.mjs with its helpers.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Adds its medians to `results`; `tug` runs the CLI (throwing on failure), `time` takes a median of n runs. */
export async function containerFsBench(results, { tug, time, dir }) {
  const tree = join(dir, 'cp-tree');
  mkdirSync(tree, { recursive: true });
  // 20 MB in 200 files of 100 kB: what a project directory copied in looks like.
  for (let i = 0; i < 200; i++) writeFileSync(join(tree, `f${i}`), randomBytes(100 << 10));
  tug(['run', '-d', '--name', 'bench-fs', 'busybox', 'sleep', '1000']);
  results['tug cp of 20 MB (200 files) into a running container (ms)'] = time((i) => tug(['cp', tree, `bench-fs:/tmp/in${i}`]), 5);
  results['tug cp of 20 MB (200 files) out of a container (ms)'] = time((i) => {
    tug(['cp', 'bench-fs:/tmp/in0', join(dir, `out${i}`)]);
  }, 5);
  results['tug diff with 1000 changed files (ms)'] = time(() => tug(['diff', 'bench-fs']), 5);
  results['tug export of a busybox container with 100 MB added (ms)'] = time(() => tug(['export', '-o', join(dir, 'export.tar'), 'bench-fs']), 3);
  results['tug commit of a container with 100 MB added (ms)'] = time((i) => tug(['commit', 'bench-fs', `bench-fs:${i}`]), 3);
  tug(['rm', '-f', 'bench-fs']);
  for (let i = 0; i < 3; i++) tug(['rmi', `bench-fs:${i}`]);
  rmSync(tree, { recursive: true, force: true });

  tug(['run', '--name', 'bench-log', '-d', '--log-opt', 'max-size=1g', 'busybox', 'sh', '-c', "head -c 100000000 /dev/zero | tr '\\0' x | fold -w 8000"]);
  tug(['wait', 'bench-log']);
  results['tug logs --tail 10 on a 100 MB log (ms)'] = time(() => tug(['logs', '--tail', '10', 'bench-log'], { stdio: ['ignore', 'ignore', 'pipe'] }), 9);
  tug(['rm', 'bench-log']);
}
