// Build benchmarks (issue 4): a 10-step Dockerfile on busybox with 3 RUN steps, cold
// (--no-cache) and rebuilt with no change; a COPY of a 10,000-file tree, cold and cached.
// Each figure through tug and through the docker CLI (classic builder) pointed at tugd.
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const TEN_STEPS = [
  'FROM busybox',
  'ENV APP=/app',
  'WORKDIR /app',
  'COPY a.txt /app/',
  'RUN echo one > /one',
  'LABEL bench=build',
  'RUN echo two > /two',
  'COPY b.txt /app/',
  'RUN echo three > /three',
  'CMD ["sh"]',
].join('\n');

/** Adds the build medians to `results`; `time(fn, n)` gives the median of n runs in ms. */
export async function benchBuild({ dir, env, dockerEnv, tug, time, results }) {
  const ten = join(dir, 'build-ten');
  mkdirSync(ten, { recursive: true });
  writeFileSync(join(ten, 'Dockerfile'), `${TEN_STEPS}\n`);
  writeFileSync(join(ten, 'a.txt'), 'a\n');
  writeFileSync(join(ten, 'b.txt'), 'b\n');
  const tree = join(dir, 'build-tree');
  for (let d = 0; d < 100; d++) {
    mkdirSync(join(tree, 'tree', `d${d}`), { recursive: true });
    for (let f = 0; f < 100; f++) writeFileSync(join(tree, 'tree', `d${d}`, `f${f}.txt`), `file ${d}/${f}\n`);
  }
  writeFileSync(join(tree, 'Dockerfile'), 'FROM busybox\nCOPY tree /tree\n');

  const run = (cmd, args, e) => {
    const r = spawnSync(cmd, args, { env: e });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  };
  const viaTug = (args) => () => run(tug, ['build', '-q', ...args], env);
  const viaDocker = (args) => () => run('/usr/local/bin/docker', ['build', '-q', ...args], { ...dockerEnv, DOCKER_BUILDKIT: '0' });

  // Interleaved where it matters: the machine is shared, so A and B see the same load.
  results['build 10 steps (3 RUN) cold --no-cache, tug (ms)'] = time(viaTug(['--no-cache', ten]), 5);
  results['build 10 steps (3 RUN) cold --no-cache, docker CLI (ms)'] = time(viaDocker(['--no-cache', ten]), 5);
  viaTug([ten])();
  results['build 10 steps no-change rebuild, tug (ms)'] = time(viaTug([ten]), 15);
  results['build 10 steps no-change rebuild, docker CLI (ms)'] = time(viaDocker([ten]), 15);
  results['build COPY 10,000 files cold --no-cache, tug (ms)'] = time(viaTug(['--no-cache', tree]), 3);
  viaTug([tree])();
  results['build COPY 10,000 files cached, tug (ms)'] = time(viaTug([tree]), 5);
  results['build COPY 10,000 files cached, docker CLI (ms)'] = time(viaDocker([tree]), 5);
}
