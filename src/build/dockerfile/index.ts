// The Dockerfile parser: text → parser directives, the ARGs before the first FROM, and stages.
// Pure; a bad Dockerfile fails here, naming the line, before anything runs.
import { DockerfileError } from './errors.js';
import { parseInstruction, type Instruction } from './instructions.js';
import { lex, type Directives } from './lexer.js';

export { DockerfileError } from './errors.js';
export { jsonArray, type CommandForm, type Instruction, type Kind } from './instructions.js';
export type { Directives, Heredoc } from './lexer.js';
export { envLookup, expand, expandWords, splitWords, type Lookup } from './shell.js';

export type FromInstruction = Extract<Instruction, { kind: 'FROM' }>;
export type ArgInstruction = Extract<Instruction, { kind: 'ARG' }>;

export interface Stage {
  index: number;
  /** Lowercased `AS name`, when given. */
  name?: string;
  from: FromInstruction;
  /** Everything after FROM, up to the next FROM. */
  instructions: Instruction[];
}

export interface Dockerfile {
  directives: Directives;
  /** ARGs before the first FROM: usable in FROM lines only (unless redeclared in a stage). */
  metaArgs: ArgInstruction[];
  stages: Stage[];
}

export function parseDockerfile(text: string, file = 'Dockerfile'): Dockerfile {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof DockerfileError && file !== 'Dockerfile') throw err.named(file);
    throw err;
  }
}

function parse(text: string): Dockerfile {
  const { directives, lines } = lex(text);
  const instructions = lines.map((l) => parseInstruction(l, directives.escape));
  if (instructions.length === 0) throw new DockerfileError(1, 'file with no instructions');
  const metaArgs: ArgInstruction[] = [];
  const stages: Stage[] = [];
  const names = new Set<string>();
  for (const ins of instructions) {
    if (ins.kind === 'FROM') {
      if (ins.stageName) {
        if (names.has(ins.stageName)) throw new DockerfileError(ins.line, `duplicate stage name "${ins.stageName}"`);
        names.add(ins.stageName);
      }
      stages.push({ index: stages.length, name: ins.stageName, from: ins, instructions: [] });
    } else if (stages.length === 0) {
      if (ins.kind !== 'ARG') throw new DockerfileError(ins.line, `no build stage in current context: ${ins.kind} comes before the first FROM`);
      metaArgs.push(ins);
    } else stages[stages.length - 1]!.instructions.push(ins);
  }
  if (stages.length === 0) throw new DockerfileError(instructions[instructions.length - 1]!.line, 'no build stage in current context: a FROM instruction is needed');
  return { directives, metaArgs, stages };
}
