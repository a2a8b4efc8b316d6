// Fresh places for an unpack under one temp root: a partial blob path and an empty layer directory.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export function placesUnder(root: string): () => { partial: string; dest: string } {
  let counter = 0;
  return () => {
    const dir = join(root, `c${counter++}`);
    mkdirSync(join(dir, 'diff'), { recursive: true });
    return { partial: join(dir, 'partial'), dest: join(dir, 'diff') };
  };
}
