// `docker run` / `docker create` client side: the flags, and their translation into the
// ContainerCreate request (body, name and platform) with docker's rules and error texts.

export { addRunFlags, RUN_FLAGS, flagLabel, type RunFlags, type RunFlagSpec, type RunVerb } from './flags.js';
export { fromFlags, FlagValueError, type PullPolicy, type RunEnvironment, type RunOptions } from './translate.js';
export { parseGoDuration } from '../../units/goduration.js';
export type * from '../../types/container.js';
