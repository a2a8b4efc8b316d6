// Bundles the CLI and the daemon into single files: one module graph to load at start-up
// keeps `tug run` latency low. Type checking is `npm run typecheck`; tests run from `dist/`.
import { build } from 'esbuild';
import { warmCodeCaches } from './warm-cache.mjs';
import { chmodSync, mkdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';

const common = { bundle: true, platform: 'node', target: 'node20', logLevel: 'warning' };
// koffi loads a native addon at run time; it stays in node_modules.
const external = ['koffi'];
// commander requires node:child_process at load, for external subcommands tug does not have:
// ~1 ms of every CLI start. Its copy is a stand-in that loads the module on first use.
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) => (args.importer.includes('/node_modules/commander/') ? { path: 'child_process', namespace: 'tug-lazy' } : undefined));
    b.onLoad({ filter: /.*/, namespace: 'tug-lazy' }, () => ({
      contents: "let real; module.exports = new Proxy({}, { get: (_, key) => (real ??= require('node:child_process'))[key] });",
      loader: 'js',
    }));
  },
};
mkdirSync('bin', { recursive: true });
rmSync('bin/tug.mjs', { force: true });
rmSync('bin/tug.mjs.map', { force: true });
rmSync('bin/tug-bundle.cjs.cache', { force: true });
rmSync('bin/tug-hot.cjs.cache', { force: true });
rmSync('bin/tug', { force: true });

await Promise.all([
  build({
    ...common,
    entryPoints: ['src/daemon/main.ts'],
    outfile: 'bin/tugd',
    format: 'esm',
    sourcemap: 'linked',
    external,
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __tugRequire } from 'node:module'; const require = __tugRequire(import.meta.url);",
    },
  }),
  // A pull unpacks each layer on a worker thread; storage/unpack.ts finds it beside bin/tugd.
  build({
    ...common,
    entryPoints: ['src/storage/unpack-worker.ts'],
    outfile: 'bin/unpack-worker.js',
    format: 'esm',
    sourcemap: 'linked',
    external,
    banner: { js: "import { createRequire as __tugRequire } from 'node:module'; const require = __tugRequire(import.meta.url);" },
  }),
  // The CLI is a CommonJS script so that bin/tug can hand V8 a code cache for it (vm.Script);
  // run/create/start have a smaller bundle of their own.
  ...[['src/cli/main.ts', 'bin/tug-bundle.cjs'], ['src/cli/hot.ts', 'bin/tug-hot.cjs']].map(([entry, outfile]) => build({
    ...common,
    entryPoints: [entry],
    outfile,
    format: 'cjs',
    sourcemap: 'linked',
    external,
    // import.meta.url (koffi's loader) worked out only when asked for: it costs the CLI a millisecond.
    define: { 'import.meta.url': '__tugMeta.url' },
    plugins: [lazyChildProcess],
    // The directive first: ahead of the banner's code, esbuild's own "use strict" would not count.
    banner: { js: "'use strict';\nconst __tugMeta = { get url() { return require('node:url').pathToFileURL(__filename).href; } };" },
  })),
  // The CLI only talks to a Unix socket: it never needs extra CA certificates, and Node spends
  // ~70 ms at start-up loading NODE_EXTRA_CA_CERTS when it is set (as on this machine); env
  // drops it without the extra exec of a shell wrapper. CommonJS (.cjs, reached through the
  // bin/tug link) also spares the launcher Node's ESM loader.
  build({
    ...common,
    entryPoints: ['src/cli/launcher.ts'],
    outfile: 'bin/tug.cjs',
    format: 'cjs',
    banner: { js: '#!/usr/bin/env -S -u NODE_EXTRA_CA_CERTS node' },
  }),
]);
// bin/tug runs the bundle as a vm.Script, where import() throws without --experimental-vm-modules.
for (const bundle of ['bin/tug-bundle.cjs', 'bin/tug-hot.cjs']) {
  if (/\bimport\(/.test(readFileSync(bundle, 'utf8'))) {
    console.error(`build: ${bundle} has a dynamic import(), which bin/tug cannot run; import the module statically`);
    process.exit(1);
  }
}
chmodSync('bin/tugd', 0o755);
chmodSync('bin/tug.cjs', 0o755);
symlinkSync('tug.cjs', 'bin/tug');

// Makes the code caches now, from whole runs against a stand-in daemon: later runs of the
// hot commands start from compiled code. One command per bundle: run (tug-hot.cjs), ps (tug-bundle.cjs).
await warmCodeCaches([['run', '--rm', 'busybox', 'true'], ['ps']]);
