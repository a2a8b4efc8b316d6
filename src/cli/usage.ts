// The docker CLI's (28.x) words around a usage mistake: the command's usage line and a pointer
// to its help, after the message.
import type { Command } from 'commander';
import { ExitError } from './context.js';

export function commandPath(cmd: Command): string {
  const names: string[] = [];
  for (let c: Command | null = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/** `Usage:  tug tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]`: commander's own usage put as cobra's. */
export function usageLine(cmd: Command): string {
  let usage = cmd.usage().replace(/<([^>]+)>/g, '$1');
  usage = cmd.options.length ? usage.replace('[options]', '[OPTIONS]') : usage.replace(/\[options\] ?/, '');
  return `Usage:  ${commandPath(cmd)} ${usage}`.trimEnd();
}

/** `message`, the usage line and the help pointer, as one block for stderr. */
export function usageText(cmd: Command, message: string, verb: 'Run' | 'See' = 'Run'): string {
  return `${message}\n\n${usageLine(cmd)}\n\n${verb} '${commandPath(cmd)} --help' for more information\n`;
}

/** A refused flag value (pflag's "invalid argument …" and the like): status 125. */
export function flagValueError(cmd: Command, message: string): ExitError {
  return new ExitError(125, usageText(cmd, message));
}
