// Bundles the CLI and the daemon into single files: one module graph to load at start-up
// keeps `tug run` latency low. Type checking is `npm run typecheck`; tests run from `dist/`.
import { build } from 'esbuild';
import { chmodSync, mkdirSync } from 'node:fs';

const entries = { tug: 'src/cli/main.ts', tugd: 'src/daemon/main.ts' };
mkdirSync('bin', { recursive: true });
await Promise.all(Object.entries(entries).map(async ([name, entry]) => {
  const outfile = `bin/${name}`;
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    sourcemap: 'linked',
    // koffi loads a native addon at run time; it stays in node_modules.
    external: ['koffi'],
    banner: {
      js: "#!/usr/bin/env node\nimport { createRequire as __tugRequire } from 'node:module'; const require = __tugRequire(import.meta.url);",
    },
    logLevel: 'warning',
  });
  chmodSync(outfile, 0o755);
}));
