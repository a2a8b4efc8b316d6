// Parser for Go's text/template, producing a small tree for template-exec.ts. The checks
// and their messages follow Go's text/template/parse; define/template/block are not
// supported, as docker's --format strings have no use for them.

import { InvalidParameterError } from '../../errors.js';
import { isKeyword, lex, type Item, type ItemType } from './template-lex.js';
import { parseGoNumber, unquote, unquoteChar } from './template-literals.js';

export type Arg =
  | { kind: 'field'; pos: number; ident: string[] }
  | { kind: 'variable'; pos: number; ident: string[] }
  | { kind: 'chain'; pos: number; node: Arg; field: string[] }
  | { kind: 'identifier'; pos: number; name: string }
  | { kind: 'pipe'; pos: number; pipe: Pipe }
  | { kind: 'dot'; pos: number }
  | { kind: 'nil'; pos: number }
  | { kind: 'bool'; pos: number; value: boolean }
  | { kind: 'number'; pos: number; text: string; value: number | bigint; isFloat: boolean }
  | { kind: 'string'; pos: number; quoted: string; value: string };

export interface Command {
  pos: number;
  args: Arg[];
}

export interface Pipe {
  pos: number;
  isAssign: boolean;
  decl: string[];
  cmds: Command[];
}

export type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pos: number; pipe: Pipe }
  | { kind: 'if' | 'with' | 'range'; pos: number; pipe: Pipe; list: Node[]; elseList?: Node[] }
  | { kind: 'break' | 'continue'; pos: number };

const maxDepth = 1000;

// Go's item String(): how a token is named in "unexpected ..." errors.
function itemString(t: Item): string {
  if (t.type === 'eof') return 'EOF';
  if (t.type === 'error') return t.val;
  if (isKeyword(t.type)) return `<${t.val}>`;
  return t.val.length > 10 ? `${JSON.stringify(t.val.slice(0, 10))}...` : JSON.stringify(t.val);
}

class Parser {
  private i = 0;
  private vars = ['$'];
  private rangeDepth = 0;
  private depth = 0;
  private last = 0;
  private actionLine = 0;

  constructor(private readonly items: Item[], private readonly hasFunc: (name: string) => boolean) {}

  // Go reports the line of the last token read, peeked ones included.
  fail(msg: string): never {
    throw new InvalidParameterError(`template: :${this.items[this.last].line}: ${msg}`);
  }

  next(): Item {
    const at = Math.min(this.i, this.items.length - 1);
    this.i++;
    this.last = at;
    return this.items[at];
  }

  peek(): Item {
    const t = this.next();
    this.i--;
    return t;
  }

  nextNonSpace(): Item {
    let t = this.next();
    while (t.type === 'space') t = this.next();
    return t;
  }

  peekNonSpace(): Item {
    const t = this.nextNonSpace();
    this.i--;
    return t;
  }

  // Lexing errors surface here, where the parser meets the error item.
  unexpected(t: Item, context: string): never {
    if (t.type === 'error') {
      let extra = '';
      if (this.actionLine !== 0 && this.actionLine !== t.line) {
        extra = ` in action started at :${this.actionLine}`;
        if (t.val.endsWith(' action')) extra = extra.slice(' in action'.length);
      }
      this.fail(t.val + extra);
    }
    this.fail(`unexpected ${itemString(t)} in ${context}`);
  }

  expect(type: ItemType, context: string): Item {
    const t = this.nextNonSpace();
    if (t.type !== type) this.unexpected(t, context);
    return t;
  }

  parse(): Node[] {
    const root: Node[] = [];
    while (this.peek().type !== 'eof') {
      const n = this.textOrAction();
      if (n === 'end' || n === 'else') this.fail(`unexpected {{${n}}}`);
      root.push(n);
    }
    return root;
  }

  // A list ends at {{end}} or {{else}}, which is returned as the terminator.
  itemList(): [Node[], 'end' | 'else'] {
    const list: Node[] = [];
    while (this.peekNonSpace().type !== 'eof') {
      const n = this.textOrAction();
      if (n === 'end' || n === 'else') return [list, n];
      list.push(n);
    }
    this.fail('unexpected EOF');
  }

  textOrAction(): Node | 'end' | 'else' {
    const t = this.nextNonSpace();
    if (t.type === 'text') return { kind: 'text', text: t.val };
    if (t.type === 'leftDelim') {
      this.actionLine = t.line;
      try {
        return this.action();
      } finally {
        this.actionLine = 0;
      }
    }
    this.unexpected(t, 'input');
  }

  action(): Node | 'end' | 'else' {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'end':
        this.expect('rightDelim', 'end');
        return 'end';
      case 'else': {
        const p = this.peekNonSpace();
        // "else if" / "else with" leave the keyword pending for parseControl.
        if (p.type !== 'if' && p.type !== 'with') this.expect('rightDelim', 'else');
        return 'else';
      }
      case 'if':
      case 'with':
      case 'range':
        return this.control(t.type);
      case 'break':
      case 'continue': {
        const n = this.nextNonSpace();
        if (n.type !== 'rightDelim') this.unexpected(n, `{{${t.type}}}`);
        if (this.rangeDepth === 0) this.fail(`{{${t.type}}} outside {{range}}`);
        return { kind: t.type, pos: t.pos };
      }
      case 'define':
      case 'template':
      case 'block':
        this.fail(`{{${t.type}}} is not supported`);
    }
    this.i--;
    return { kind: 'action', pos: t.pos, pipe: this.pipeline('command', 'rightDelim') };
  }

  control(kind: 'if' | 'with' | 'range'): Node {
    if (++this.depth > maxDepth) this.fail('max control structure depth exceeded');
    const mark = this.vars.length;
    const pipe = this.pipeline(kind, 'rightDelim');
    if (kind === 'range') this.rangeDepth++;
    const [list, next] = this.itemList();
    if (kind === 'range') this.rangeDepth--;
    let elseList: Node[] | undefined;
    if (next === 'else') {
      const p = this.peekNonSpace();
      if ((kind === 'if' && p.type === 'if') || (kind === 'with' && p.type === 'with')) {
        // {{else if x}} is {{else}}{{if x}}…{{end}}{{end}} with the inner end shared.
        this.nextNonSpace();
        elseList = [this.control(kind)];
      } else {
        const [l, n] = this.itemList();
        if (n !== 'end') this.fail(`expected end; found {{${n}}}`);
        elseList = l;
      }
    }
    this.vars.length = mark;
    this.depth--;
    return { kind, pos: pipe.pos, pipe, list, elseList };
  }

  pipeline(context: string, end: ItemType): Pipe {
    const pipe: Pipe = { pos: this.peekNonSpace().pos, isAssign: false, decl: [], cmds: [] };
    let v = this.peekNonSpace();
    while (v.type === 'variable') {
      const save = this.i;
      this.nextNonSpace();
      const n = this.peekNonSpace();
      if (n.type === 'assign' || n.type === 'declare') {
        this.nextNonSpace();
        pipe.isAssign = n.type === 'assign';
        if (pipe.isAssign && !this.vars.includes(v.val)) this.fail(`undefined variable ${JSON.stringify(v.val)}`);
        pipe.decl.push(v.val);
        this.vars.push(v.val);
        break;
      }
      if (n.type === 'char' && n.val === ',') {
        this.nextNonSpace();
        pipe.decl.push(v.val);
        this.vars.push(v.val);
        if (context === 'range' && pipe.decl.length < 2) {
          const p = this.peekNonSpace();
          if (p.type === 'variable' || p.type === 'rightDelim' || p.type === 'rightParen') {
            v = p;
            continue;
          }
          this.fail('range can only initialize variables');
        }
        this.fail(`too many declarations in ${context}`);
      }
      this.i = save;
      break;
    }
    for (;;) {
      const t = this.nextNonSpace();
      if (t.type === end) {
        this.checkPipeline(pipe, context);
        return pipe;
      }
      if (['bool', 'charConstant', 'dot', 'field', 'identifier', 'number', 'nil', 'rawString', 'string', 'variable', 'leftParen'].includes(t.type)) {
        this.i--;
        pipe.cmds.push(this.command());
      } else this.unexpected(t, context);
    }
  }

  checkPipeline(pipe: Pipe, context: string): void {
    if (pipe.cmds.length === 0) this.fail(`missing value for ${context}`);
    pipe.cmds.slice(1).forEach((c, i) => {
      if (['bool', 'dot', 'nil', 'number', 'string'].includes(c.args[0].kind)) {
        this.fail(`non executable command in pipeline stage ${i + 2}`);
      }
    });
  }

  command(): Command {
    const cmd: Command = { pos: this.peekNonSpace().pos, args: [] };
    for (;;) {
      this.peekNonSpace();
      const operand = this.operand();
      if (operand) cmd.args.push(operand);
      const t = this.next();
      if (t.type === 'space') continue;
      if (t.type === 'rightDelim' || t.type === 'rightParen') this.i--;
      else if (t.type !== 'pipe') this.unexpected(t, 'operand');
      break;
    }
    if (cmd.args.length === 0) this.fail('empty command');
    return cmd;
  }

  operand(): Arg | undefined {
    const node = this.term();
    if (!node || this.peek().type !== 'field') return node;
    // Go positions a chained field at its second element.
    const pos = this.peek().pos;
    const field: string[] = [];
    while (this.peek().type === 'field') field.push(this.next().val.slice(1));
    switch (node.kind) {
      case 'field':
      case 'variable':
        return { ...node, pos, ident: [...node.ident, ...field] };
      case 'bool':
      case 'string':
      case 'number':
      case 'nil':
      case 'dot':
        this.fail(`unexpected . after term ${JSON.stringify(argString(node))}`);
    }
    return { kind: 'chain', pos, node, field };
  }

  term(): Arg | undefined {
    const t = this.nextNonSpace();
    switch (t.type) {
      case 'identifier':
        if (!this.hasFunc(t.val)) this.fail(`function ${JSON.stringify(t.val)} not defined`);
        return { kind: 'identifier', pos: t.pos, name: t.val };
      case 'dot':
        return { kind: 'dot', pos: t.pos };
      case 'nil':
        return { kind: 'nil', pos: t.pos };
      case 'variable':
        if (!this.vars.includes(t.val)) this.fail(`undefined variable ${JSON.stringify(t.val)}`);
        return { kind: 'variable', pos: t.pos, ident: [t.val] };
      case 'field':
        return { kind: 'field', pos: t.pos, ident: [t.val.slice(1)] };
      case 'bool':
        return { kind: 'bool', pos: t.pos, value: t.val === 'true' };
      case 'charConstant':
      case 'number':
        return this.number(t);
      case 'leftParen': {
        if (++this.depth > maxDepth) this.fail('max expression depth exceeded');
        const pipe = this.pipeline('parenthesized pipeline', 'rightParen');
        this.depth--;
        return { kind: 'pipe', pos: t.pos, pipe };
      }
      case 'string':
      case 'rawString': {
        const value = unquote(t.val);
        if (value === undefined) this.fail('invalid syntax');
        return { kind: 'string', pos: t.pos, quoted: t.val, value };
      }
    }
    this.i--;
    return undefined;
  }

  number(t: Item): Arg {
    if (t.type === 'charConstant') {
      const r = unquoteChar(t.val.slice(1), "'");
      if (!r) this.fail('invalid syntax');
      if (r.tail !== "'") this.fail(`malformed character constant: ${t.val}`);
      return { kind: 'number', pos: t.pos, text: t.val, value: r.rune, isFloat: false };
    }
    const n = parseGoNumber(t.val);
    if (typeof n === 'string') this.fail(n);
    return { kind: 'number', pos: t.pos, text: t.val, ...n };
  }
}

/** Go's String() of an argument node, used in error messages. */
export function argString(a: Arg): string {
  switch (a.kind) {
    case 'field': return '.' + a.ident.join('.');
    case 'variable': return a.ident.join('.');
    case 'chain': return (a.node.kind === 'pipe' ? `(${argString(a.node)})` : argString(a.node)) + '.' + a.field.join('.');
    case 'identifier': return a.name;
    case 'pipe': return pipeString(a.pipe);
    case 'dot': return '.';
    case 'nil': return 'nil';
    case 'bool': return String(a.value);
    case 'number': return a.text;
    case 'string': return a.quoted;
  }
}

export function pipeString(p: Pipe): string {
  const decl = p.decl.length ? `${p.decl.join(', ')} ${p.isAssign ? '=' : ':='} ` : '';
  const cmds = p.cmds.map((c) => c.args.map((a) => (a.kind === 'pipe' ? `(${argString(a)})` : argString(a))).join(' '));
  return decl + cmds.join(' | ');
}

export function parseTemplateText(text: string, hasFunc: (name: string) => boolean): Node[] {
  return new Parser(lex(text), hasFunc).parse();
}
