// Executes a parsed template over JS data read as Go values (see gofmt.ts): plain objects
// behave as map[string]interface{}, so a missing key prints "<no value>", and a function
// found as a field is called like a Go method, with the template's arguments.

import { InvalidParameterError } from '../../errors.js';
import { formatValue, goSortedKeys, goTypeName, isGoInt, isGoMap } from './gofmt.js';
import { goStructType } from './gojson.js';
import { isTrue, type FuncMap, type ParamType } from './template-funcs.js';
import { argString, pipeString, type Arg, type Command, type Node, type Pipe } from './template-parse.js';

/** An execution error; `output` holds what was written before it, as Go leaves it. */
export class TemplateExecError extends InvalidParameterError {
  constructor(message: string, readonly output: string) {
    super(message);
  }
}

const NO_FINAL = Symbol('no final');
type Final = unknown;
const BREAK = Symbol('break');
const CONTINUE = Symbol('continue');
const maxExecDepth = 10000;

interface At {
  pos: number;
  text: string;
}

function commandString(c: Command): string {
  return c.args.map((a) => (a.kind === 'pipe' ? `(${argString(a)})` : argString(a))).join(' ');
}

function nodeString(n: Node): string {
  const list = (l: Node[]) => l.map(nodeString).join('');
  switch (n.kind) {
    case 'text': return n.text;
    case 'action': return `{{${pipeString(n.pipe)}}}`;
    case 'break': case 'continue': return `{{${n.kind}}}`;
    default: return `{{${n.kind} ${pipeString(n.pipe)}}}${list(n.list)}${n.elseList ? `{{else}}${list(n.elseList)}` : ''}{{end}}`;
  }
}

class State {
  out = '';
  private vars: Array<{ name: string; value: unknown }>;
  private at: At | undefined;
  private depth = 0;
  // Whether dot came out of a slice or map, where Go sees its type as interface {}.
  private dotInContainer = false;

  constructor(private readonly src: string, private readonly funcs: FuncMap, root: unknown) {
    this.vars = [{ name: '$', value: root }];
  }

  errorf(msg: string): never {
    if (!this.at) throw new TemplateExecError(`template: : ${msg}`, this.out);
    const before = this.src.slice(0, this.at.pos);
    const nl = before.lastIndexOf('\n');
    const line = before.split('\n').length;
    const col = Buffer.byteLength(nl < 0 ? before : before.slice(nl + 1));
    throw new TemplateExecError(`template: :${line}:${col}: executing "" at <${this.at.text}>: ${msg}`, this.out);
  }

  mark(pos: number, text: string): void {
    this.at = { pos, text };
  }

  walk(dot: unknown, nodes: Node[]): void {
    if (++this.depth > maxExecDepth) this.errorf(`exceeded maximum template depth (${maxExecDepth})`);
    try {
      this.walkList(dot, nodes);
    } finally {
      this.depth--;
    }
  }

  private walkIn(dot: unknown, nodes: Node[], inContainer: boolean): void {
    const saved = this.dotInContainer;
    this.dotInContainer = inContainer;
    try {
      this.walk(dot, nodes);
    } finally {
      this.dotInContainer = saved;
    }
  }

  private walkList(dot: unknown, nodes: Node[]): void {
    for (const n of nodes) {
      switch (n.kind) {
        case 'text':
          this.out += n.text;
          break;
        case 'action': {
          const v = this.evalPipeline(dot, n.pipe);
          if (n.pipe.decl.length === 0) this.print(n.pipe, v);
          break;
        }
        case 'if':
        case 'with': {
          const mark = this.vars.length;
          const v = this.evalPipeline(dot, n.pipe);
          if (isTrue(v)) this.walkIn(n.kind === 'with' ? v : dot, n.list, n.kind === 'with' ? false : this.dotInContainer);
          else if (n.elseList) this.walk(dot, n.elseList);
          this.vars.length = mark;
          break;
        }
        case 'range':
          this.walkRange(dot, n);
          break;
        case 'break':
          throw BREAK;
        case 'continue':
          throw CONTINUE;
      }
    }
  }

  print(pipe: Pipe, v: unknown): void {
    this.mark(pipe.pos, pipeString(pipe));
    if (typeof v === 'function') this.errorf(`can't print ${pipeString(pipe)} of type func()`);
    this.out += v === undefined ? '<no value>' : formatValue(v);
  }

  walkRange(dot: unknown, n: Extract<Node, { list: Node[] }>): void {
    this.mark(n.pos, nodeString(n));
    const outer = this.vars.length;
    const val = this.evalPipeline(dot, n.pipe);
    const mark = this.vars.length;
    const decl = n.pipe.decl.length;
    const one = (key: unknown, elem: unknown): boolean => {
      if (decl > 0) this.vars[this.vars.length - 1].value = elem;
      if (decl > 1) this.vars[this.vars.length - 2].value = key;
      try {
        this.walkIn(elem, n.list, !isGoInt(val));
      } catch (e) {
        if (e === BREAK) return false;
        if (e !== CONTINUE) throw e;
      } finally {
        this.vars.length = mark;
      }
      return true;
    };
    let ran = false;
    if (Array.isArray(val)) {
      for (let i = 0; i < val.length && one(i, val[i]); i++) ran = true;
      ran ||= val.length > 0;
    } else if (isGoMap(val) && !(val instanceof Date)) {
      const keys = goSortedKeys(val);
      for (const k of keys) if (!one(k, val[k])) break;
      ran = keys.length > 0;
    } else if (isGoInt(val)) {
      if (decl > 1) this.errorf(`can't use ${formatValue(val)} to iterate over more than one variable`);
      for (let i = 0; i < Number(val) && one(undefined, i); i++);
      ran = Number(val) > 0;
    } else if (val !== undefined && val !== null) {
      this.errorf(`range can't iterate over ${formatValue(val)}`);
    }
    if (!ran && n.elseList) this.walk(dot, n.elseList);
    this.vars.length = outer;
  }

  evalPipeline(dot: unknown, pipe: Pipe): unknown {
    let value: Final = NO_FINAL;
    for (const cmd of pipe.cmds) {
      value = this.evalCommand(dot, cmd, value);
      // Go unwraps interface{} results, so a nil from a map becomes "no value".
      if (value === null) value = undefined;
    }
    for (const name of pipe.decl) {
      if (!pipe.isAssign) this.vars.push({ name, value });
      else {
        this.lookup(name).value = value;
      }
    }
    return value;
  }

  evalCommand(dot: unknown, cmd: Command, final: Final): unknown {
    const first = cmd.args[0];
    switch (first.kind) {
      case 'field':
        this.mark(first.pos, argString(first));
        return this.evalFieldChain(dot, dot, first, first.ident, cmd.args, final, this.dotInContainer);
      case 'chain': {
        if (first.node.kind === 'nil') this.errorf(`indirection through explicit nil in ${argString(first)}`);
        const receiver = this.evalArg(dot, 'value', first.node);
        return this.evalFieldChain(dot, receiver, first, first.field, cmd.args, final, false);
      }
      case 'identifier':
        return this.evalFunction(dot, first, { pos: cmd.pos, text: commandString(cmd) }, cmd.args, final);
      case 'pipe':
        this.notAFunction(cmd.args, final);
        return this.evalPipeline(dot, first.pipe);
      case 'variable':
        return this.evalVariable(dot, first, cmd.args, final);
    }
    this.mark(first.pos, argString(first));
    this.notAFunction(cmd.args, final);
    switch (first.kind) {
      case 'bool': return first.value;
      case 'dot': return dot;
      case 'nil': this.errorf('nil is not a command');
      // falls through: errorf never returns
      case 'number': return first.value;
      case 'string': return first.value;
    }
  }

  notAFunction(args: Arg[], final: Final): void {
    if (args.length > 1 || final !== NO_FINAL) this.errorf(`can't give argument to non-function ${argString(args[0])}`);
  }

  lookup(name: string): { name: string; value: unknown } {
    for (let i = this.vars.length - 1; i >= 0; i--) if (this.vars[i].name === name) return this.vars[i];
    this.errorf(`undefined variable: ${name}`);
  }

  evalVariable(dot: unknown, v: Extract<Arg, { kind: 'variable' }>, args: Arg[], final: Final): unknown {
    this.mark(v.pos, argString(v));
    const value = this.lookup(v.ident[0]).value;
    if (v.ident.length === 1) {
      this.notAFunction(args, final);
      return value;
    }
    return this.evalFieldChain(dot, value, v, v.ident.slice(1), args, final, false);
  }

  evalFieldChain(dot: unknown, receiver: unknown, node: Arg, ident: string[], args: Arg[], final: Final, inContainer: boolean): unknown {
    for (let i = 0; i < ident.length - 1; i++) {
      receiver = this.evalField(dot, ident[i], node, [], NO_FINAL, receiver, i > 0 || inContainer);
    }
    return this.evalField(dot, ident[ident.length - 1], node, args, final, receiver, ident.length > 1 || inContainer);
  }

  evalField(dot: unknown, name: string, node: Arg, args: Arg[], final: Final, receiver: unknown, inContainer: boolean): unknown {
    if (receiver === undefined) return undefined;
    if (receiver === null) this.errorf(`nil pointer evaluating interface {}.${name}`);
    const hasArgs = args.length > 1 || final !== NO_FINAL;
    if (typeof receiver === 'object' && !Array.isArray(receiver)) {
      const obj = receiver as Record<string, unknown>;
      // Own keys, plus getters and methods of class instances (Go's methods).
      const proto = Object.getPrototypeOf(obj);
      const found = Object.hasOwn(obj, name) || (proto !== Object.prototype && proto !== null && name in obj && !(name in Object.prototype));
      const value = found ? obj[name] : undefined;
      if (typeof value === 'function') {
        return this.evalCall(dot, value.bind(obj), name, { pos: node.pos, text: argString(node) }, args, final, { params: [], variadic: 'any' });
      }
      if (receiver instanceof Date) this.errorf(`can't evaluate field ${name} in type time.Time`);
      const struct = found ? undefined : goStructType(obj);
      if (struct) this.errorf(`can't evaluate field ${name} in type ${struct}`);
      if (hasArgs) this.errorf(`${name} is not a method but has arguments`);
      return value;
    }
    this.errorf(`can't evaluate field ${name} in type ${inContainer ? 'interface {}' : goTypeName(receiver)}`);
  }

  evalFunction(dot: unknown, id: Extract<Arg, { kind: 'identifier' }>, cmd: At, args: Arg[], final: Final): unknown {
    this.mark(id.pos, id.name);
    const f = this.funcs[id.name];
    if (!f) this.errorf(`${JSON.stringify(id.name)} is not a defined function`);
    if (id.name === 'and' || id.name === 'or') {
      if (args.length === 1 && final === NO_FINAL) this.errorf(`wrong number of args for ${id.name}: want at least 1 got 0`);
      // Short-circuit: return the first argument that decides, else the last.
      let v: unknown;
      for (const a of args.slice(1)) {
        v = this.evalArg(dot, 'value', a);
        if (isTrue(v) === (id.name === 'or')) return v;
      }
      return final !== NO_FINAL ? final : v;
    }
    return this.evalCall(dot, f.call, id.name, cmd, args, final, f);
  }

  evalCall(dot: unknown, call: (...a: unknown[]) => unknown, name: string, node: At, args: Arg[], final: Final, sig: { params: ParamType[]; variadic?: ParamType }): unknown {
    const given = args.slice(1);
    const numIn = given.length + (final !== NO_FINAL ? 1 : 0);
    const fixed = sig.params.length;
    if (sig.variadic && numIn < fixed) this.errorf(`wrong number of args for ${name}: want at least ${fixed} got ${given.length}`);
    if (!sig.variadic && numIn !== fixed) this.errorf(`wrong number of args for ${name}: want ${fixed} got ${numIn}`);
    const typeAt = (i: number): ParamType => (i < fixed ? sig.params[i] : (sig.variadic as ParamType));
    const argv = given.map((a, i) => this.evalArg(dot, typeAt(i), a));
    if (final !== NO_FINAL) argv.push(this.validateType(final, typeAt(numIn - 1)));
    try {
      return call(...argv);
    } catch (e) {
      if (e instanceof TemplateExecError || e === BREAK || e === CONTINUE) throw e;
      this.mark(node.pos, node.text);
      this.errorf(`error calling ${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  validateType(v: unknown, t: ParamType): unknown {
    if (v === undefined) {
      if (t === 'any') return null;
      if (t === 'value') return undefined;
      this.errorf(`invalid value; expected ${t}`);
    }
    if (t === 'string' && typeof v !== 'string') this.errorf(`wrong type for value; expected string; got ${v === null ? 'interface {}' : goTypeName(v)}`);
    if (t === 'int' && !isGoInt(v)) this.errorf(`wrong type for value; expected int; got ${v === null ? 'interface {}' : goTypeName(v)}`);
    return v;
  }

  evalArg(dot: unknown, t: ParamType, a: Arg): unknown {
    this.mark(a.pos, argString(a));
    switch (a.kind) {
      case 'dot': return this.validateType(dot, t);
      case 'nil':
        if (t === 'any' || t === 'value') return t === 'any' ? null : undefined;
        this.errorf(`cannot assign nil to ${t}`);
      // falls through: errorf never returns
      case 'field': return this.validateType(this.evalFieldChain(dot, dot, a, a.ident, [a], NO_FINAL, this.dotInContainer), t);
      case 'variable': return this.validateType(this.evalVariable(dot, a, [a], NO_FINAL), t);
      case 'pipe': return this.validateType(this.evalPipeline(dot, a.pipe), t);
      case 'identifier': return this.validateType(this.evalFunction(dot, a, { pos: a.pos, text: a.name }, [a], NO_FINAL), t);
      case 'chain': return this.validateType(this.evalCommand(dot, { pos: a.pos, args: [a] }, NO_FINAL), t);
    }
    if (t === 'any' || t === 'value') return a.value;
    if (t === 'string') {
      if (a.kind === 'string') return a.value;
      this.errorf(`expected string; found ${argString(a)}`);
    }
    if (a.kind === 'number' && isGoInt(a.value)) return a.value;
    this.errorf(`expected integer; found ${argString(a)}`);
  }
}

export function execute(src: string, nodes: Node[], funcs: FuncMap, data: unknown): string {
  const s = new State(src, funcs, data);
  try {
    s.walk(data, nodes);
  } catch (e) {
    if (e === BREAK || e === CONTINUE) return s.out;
    if (e instanceof RangeError) s.errorf('exceeded maximum template depth');
    throw e;
  }
  return s.out;
}
