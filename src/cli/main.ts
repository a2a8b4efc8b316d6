// tug: the command-line client. Speaks only the Engine API, like the docker CLI. bin/tug runs
// hot.ts instead for the commands scripts call in loops (see argv.ts).
import { registerBuildCommands } from './commands/build.js';
import { registerEventCommands } from './commands/events.js';
import { registerContainerCommands } from './commands/containers/index.js';
import { registerDistributionCommands } from './commands/distribution.js';
import { registerExecCommands } from './commands/exec.js';
import { registerImageCommands } from './commands/images.js';
import { registerNetworkCommands } from './commands/network.js';
import { registerRegistryCommands } from './commands/registry.js';
import { registerRunCommands } from './commands/run.js';
import { registerSystemCommands } from './commands/system.js';
import { registerTransferCommands } from './commands/transfer.js';
import { registerVolumeCommands } from './commands/volume.js';
import { rootProgram, runProgram } from './program.js';

const program = rootProgram();
const container = program.command('container').description('Manage containers').usage('COMMAND');
const image = program.command('image').description('Manage images').usage('COMMAND');
const system = program.command('system').description('Manage tug').usage('COMMAND');
registerSystemCommands(program, system);
registerEventCommands(program, system);
registerImageCommands(program, image);
registerTransferCommands(program, image);
registerDistributionCommands(program, image);
registerContainerCommands(program, container);
registerRunCommands(program, container);
registerExecCommands(program, container);
registerVolumeCommands(program);
registerNetworkCommands(program);
registerRegistryCommands(program);
registerBuildCommands(program, image);
runProgram(program, process.argv);
