// Network figures for npm run bench: run latency on the bridge against --network none
// (interleaved), 200 MB through a published port against the same to the container's own
// address, and creating then removing 20 user networks.
import { spawnSync } from 'node:child_process';

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function ms(fn) {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** GET http://host:port/path with curl (Node's own client would be the bottleneck); MB/s. */
function download(host, port, path) {
  const r = spawnSync('curl', ['-sf', '-o', '/dev/null', '-w', '%{speed_download}', `http://${host}:${port}${path}`], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`curl ${host}:${port}: exit ${r.status}`);
  return Number(r.stdout) / 1e6;
}

/** `tug(args)` runs the CLI against the bench daemon and throws on failure. */
export async function networkBench(results, tug) {
  const bridge = [];
  const none = [];
  for (let i = 0; i < 15; i++) {
    none.push(ms(() => tug(['run', '--rm', '--network', 'none', 'busybox', 'true'])));
    bridge.push(ms(() => tug(['run', '--rm', 'busybox', 'true'])));
  }
  results['tug run --rm busybox true, --network none (ms)'] = median(none);
  results['tug run --rm busybox true, default bridge (ms)'] = median(bridge);
  results['run on the bridge / run with --network none (ratio)'] = median(bridge) / median(none);

  const port = 20000 + Math.floor(Math.random() * 20000);
  tug(['run', '-d', '--name', 'bench-web', '-p', `${port}:80`, 'busybox', 'sh', '-c', 'head -c 200000000 /dev/zero > /tmp/big && exec httpd -f -p 80 -h /tmp']);
  try {
    const ip = tug(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'bench-web']).stdout.toString().trim();
    // Wait for the file and the server, then warm the page cache once.
    for (let i = 0; i < 100; i++) {
      let r = 0;
      try {
        r = download(ip, 80, '/big');
      } catch {
        // not serving yet
      }
      if (r > 0) break;
      await new Promise((r2) => setTimeout(r2, 100));
    }
    const direct = [];
    const published = [];
    for (let i = 0; i < 5; i++) {
      direct.push(download(ip, 80, '/big'));
      published.push(download('127.0.0.1', port, '/big'));
    }
    results['200 MB to the container address (MB/s)'] = median(direct);
    results['200 MB through a published port on 127.0.0.1 (MB/s)'] = median(published);
    results['published port / direct throughput (ratio)'] = median(published) / median(direct);
  } finally {
    tug(['rm', '-f', 'bench-web']);
  }

  const rounds = [];
  for (let r = 0; r < 3; r++) {
    rounds.push(ms(() => {
      const names = Array.from({ length: 20 }, (_, i) => `bench-net-${i}`);
      for (const n of names) tug(['network', 'create', n]);
      tug(['network', 'rm', ...names]);
    }));
  }
  results['create + remove 20 user networks (ms)'] = median(rounds);
}
