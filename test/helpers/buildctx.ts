// Build contexts for builder tests: a temporary directory filled from a name → content map.
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after } from 'node:test';

/** Makes contexts for one test file; all of them are removed after its tests. */
export function contextFactory(): (files: Record<string, string>) => BuildContext {
  const made: BuildContext[] = [];
  after(() => {
    for (const c of made) c.remove();
  });
  return (files) => {
    const c = new BuildContext(files);
    made.push(c);
    return c;
  };
}

export class BuildContext {
  readonly dir: string;

  constructor(files: Record<string, string>) {
    this.dir = mkdtempSync('/tmp/tugt-ctx-');
    this.write(files);
  }

  write(files: Record<string, string>): this {
    for (const [name, content] of Object.entries(files)) {
      const path = join(this.dir, name);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, content);
    }
    return this;
  }

  chmod(name: string, mode: number): this {
    chmodSync(join(this.dir, name), mode);
    return this;
  }

  remove(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** The image ID from `Successfully built <id>`, or the last ` ---> <id>` line. */
export function builtID(output: string): string {
  const m = /Successfully built ([0-9a-f]{12})/.exec(output);
  if (!m) throw new Error(`no image built:\n${output}`);
  return m[1]!;
}

/** Which steps said ` ---> Using cache` (1-based step numbers). */
export function cachedSteps(output: string): number[] {
  const steps: number[] = [];
  let cur = 0;
  for (const line of output.split('\n')) {
    const m = /^Step (\d+)\/\d+ :/.exec(line);
    if (m) cur = Number(m[1]);
    else if (line === ' ---> Using cache') steps.push(cur);
  }
  return steps;
}
