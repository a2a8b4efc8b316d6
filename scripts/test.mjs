// Compiles the tests with tsc and runs them with node's test runner, tier by tier:
// `unit` (pure logic), `integration` (a real tugd), `compat` (the real docker CLI).
import { execFileSync, spawnSync } from 'node:child_process';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const tiers = process.argv.slice(2).length ? process.argv.slice(2) : ['unit', 'integration', 'compat'];
rmSync('dist', { recursive: true, force: true });
execFileSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' });

const files = [];
for (const tier of tiers) {
  const dir = join('dist', 'test', tier);
  let names = [];
  try { names = readdirSync(dir); } catch { continue; }
  files.push(...names.filter((n) => n.endsWith('.test.js')).sort().map((n) => join(dir, n)));
}
if (files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
// Integration tests share the machine's cgroups and mounts: run files one at a time.
const result = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  stdio: 'inherit',
  env: { ...process.env, TUG_REPO: process.cwd(), TUG_HUB_HOST: process.env.TUG_HUB_HOST ?? '127.0.0.1:1' },
});
process.exit(result.status ?? 1);
