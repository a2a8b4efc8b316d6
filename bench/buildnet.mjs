// Build networking (RUN steps on the default bridge): the cold 10-step build of bench/build.mjs
// on the default bridge against the same build with --network host, interleaved run by run.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

/** Adds the medians to `results`; needs bench/build.mjs's `build-ten` context under `dir`. */
export async function benchBuildNetwork({ dir, env, tug, results }) {
  const ten = join(dir, 'build-ten');
  const samples = { bridge: [], host: [] };
  for (let i = 0; i < 5; i++) {
    for (const mode of ['bridge', 'host']) {
      const t0 = process.hrtime.bigint();
      const r = spawnSync(tug, ['build', '-q', '--no-cache', ...(mode === 'host' ? ['--network', 'host'] : []), ten], { env });
      if (r.status !== 0) throw new Error(`tug build --network ${mode}: ${r.stderr}`);
      samples[mode].push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
  }
  const median = (a) => a.sort((x, y) => x - y)[Math.floor(a.length / 2)];
  results['build 10 steps (3 RUN) cold, RUN on the default bridge, tug (ms)'] = median(samples.bridge);
  results['build 10 steps (3 RUN) cold, RUN --network host, tug (ms)'] = median(samples.host);
}
