// Go text/template, as docker's --format flag uses it: parse once, execute per row.

import { execute } from './template-exec.js';
import { builtinFuncs, dockerFuncs, type FuncMap } from './template-funcs.js';
import { parseTemplateText, type Node } from './template-parse.js';

export { TemplateExecError } from './template-exec.js';
export { headerFuncs, type FuncMap, type ParamType, type TemplateFunc } from './template-funcs.js';
export { markAsGoMap } from './gojson.js';

export interface Template {
  /** Renders data; `funcs` replaces functions by name, as Go's Template.Funcs does. */
  execute(data: unknown, funcs?: FuncMap): string;
}

const defaultFuncs: FuncMap = { ...builtinFuncs, ...dockerFuncs };

/** Parses a template; throws InvalidParameterError with Go's "template: :LINE: ..." text. */
export function parseTemplate(text: string): Template {
  const nodes: Node[] = parseTemplateText(text, (name) => Object.hasOwn(defaultFuncs, name));
  return {
    execute: (data, funcs) => execute(text, nodes, funcs ? { ...defaultFuncs, ...funcs } : defaultFuncs, data),
  };
}

/** Parses once and returns a renderer; execution errors are InvalidParameterError too. */
export function compileTemplate(text: string): (data: unknown) => string {
  const t = parseTemplate(text);
  return (data) => t.execute(data);
}
