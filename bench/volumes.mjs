// Volume figures for npm run bench: the cost of a named volume on `run`, A/B interleaved with a
// plain run; first-use copy-up of 200 MB of image content; create + rm of 20 volumes; ls of 100.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function timed(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Adds the volume rows to `results`; `tug` runs the CLI (throwing on failure), `dir` is scratch space. */
export async function benchVolumes(results, { tug, dir }) {
  const plain = [];
  const withVolume = [];
  for (let i = 0; i < 11; i++) {
    plain.push(timed(() => tug(['run', '--rm', 'busybox', 'true'])));
    withVolume.push(timed(() => tug(['run', '--rm', '-v', 'benchvol:/data', 'busybox', 'true'])));
  }
  results['tug run --rm -v NAMED:/data busybox true (ms)'] = median(withVolume);
  results['  the same without the volume, interleaved (ms)'] = median(plain);

  // An image with a shell and 200 MB under /data, copied into each new volume on first use.
  const root = join(dir, 'volimg');
  mkdirSync(join(root, 'bin'), { recursive: true });
  mkdirSync(join(root, 'data'));
  copyFileSync('/bin/busybox', join(root, 'bin/busybox'));
  symlinkSync('busybox', join(root, 'bin/true'));
  for (let i = 0; i < 4; i++) writeFileSync(join(root, 'data', `f${i}`), randomBytes(50 << 20));
  execFileSync('tar', ['-cf', join(dir, 'volimg.tar'), '-C', root, '.']);
  tug(['import', '-c', 'VOLUME /data', '-c', 'CMD ["/bin/true"]', join(dir, 'volimg.tar'), 'volimg']);
  const copy = [];
  const noCopy = [];
  for (let i = 0; i < 3; i++) {
    copy.push(timed(() => tug(['run', '--rm', '-v', `copy${i}:/data`, 'volimg'])));
    noCopy.push(timed(() => tug(['run', '--rm', '--mount', `type=volume,src=nocopy${i},dst=/data,volume-nocopy`, 'volimg'])));
    tug(['volume', 'rm', `copy${i}`, `nocopy${i}`]);
  }
  results['run with first-use copy-up of 200 MB into a volume (ms)'] = median(copy);
  results['  the same with volume-nocopy, interleaved (ms)'] = median(noCopy);

  const names = Array.from({ length: 20 }, (_, i) => `bench${i}`);
  results['create + rm of 20 volumes, one by one (ms)'] = timed(() => {
    for (const n of names) tug(['volume', 'create', n]);
    for (const n of names) tug(['volume', 'rm', n]);
  });
  const many = Array.from({ length: 100 }, (_, i) => `many${i}`);
  for (const n of many) tug(['volume', 'create', n]);
  results['tug volume ls with 100 volumes (ms)'] = median(Array.from({ length: 7 }, () => timed(() => tug(['volume', 'ls']))));
  tug(['volume', 'rm', ...many]);
  tug(['rmi', 'volimg']);
}
