// Bundles the CLI and the daemon into single files: one module graph to load at start-up
// keeps `tug run` latency low. Type checking is `npm run typecheck`; tests run from `dist/`.
import { build } from 'esbuild';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';

const entries = { 'tug.mjs': 'src/cli/main.ts', tugd: 'src/daemon/main.ts' };
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

// The CLI only talks to a Unix socket: it never needs extra CA certificates, and Node spends
// ~70 ms at start-up loading NODE_EXTRA_CA_CERTS when it is set (as on this machine).
writeFileSync('bin/tug', `#!/bin/sh
unset NODE_EXTRA_CA_CERTS
exec node "$(dirname "$(readlink -f "$0")")/tug.mjs" "$@"
`);
chmodSync('bin/tug', 0o755);
