// tug run|create|start: the commands scripts call in loops get a bundle of their own, with
// only their module graph to load (no registry server, builder client or tar code).
import { commandWord } from './argv.js';
import { registerRunCommands } from './commands/run.js';
import { rootProgram, runProgram } from './program.js';

const program = rootProgram();
registerRunCommands(program, undefined, commandWord(process.argv));
runProgram(program, process.argv);
