import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isTugError } from '../../src/errors.js';
import { compileTemplate, parseTemplate, TemplateExecError } from '../../src/cli/format/template.js';
import { sprintf } from '../../src/cli/format/gofmt.js';
import { formatFloat } from '../../src/cli/format/gofloat.js';
import { mulberry32 } from '../helpers/random.js';

const data = {
  Empty: '',
  F: false,
  Html: '<a&b>',
  ID: 'abc123',
  Labels: { a: '1', b: '2', 'com.x': 'y' },
  Names: ['web', 'db'],
  Nested: { A: { B: 'deep' }, L: [1, 2, 3] },
  Nil: null,
  Ratio: 0.5,
  Size: 1234,
  T: true,
  Uni: 'héllo',
  Zero: 0,
  Label: (name: string) => `label:${name}`,
};

// Expected outputs were checked against Go's text/template with docker/cli's functions.
const cases: Array<[string, string]> = [
  ['{{.ID}}', 'abc123'],
  ['{{.ID}}\t{{.Names}}', 'abc123\t[web db]'],
  ['{{json .Names}}', '["web","db"]'],
  ['{{json .Html}}', '"<a&b>"'],
  ['{{json .Missing}}', 'null'],
  ['{{join .Names ","}} {{.ID | printf "%s!"}}', 'web,db abc123!'],
  ['{{join .Labels ","}}', '1,2,y'],
  ['{{lower .ID | upper}}', 'ABC123'],
  ['{{title "hello world-foo_bar baz.qux"}}', 'Hello World-Foo_bar Baz.Qux'],
  ['{{split "a:b:c" ":"}}', '[a b c]'],
  ['{{index (split "a:b:c" ":") 1}}', 'b'],
  ['{{len .Names}} {{len .Uni}} {{len .Labels}}', '2 6 3'],
  ['{{index .Labels "zz"}}|{{index .Labels "a"}}', '<no value>|1'],
  ['{{printf "%-10s|%5d|%q|%x|%v" .ID .Size .Uni .ID .Nested}}', 'abc123    | 1234|"héllo"|616263313233|map[A:map[B:deep] L:[1 2 3]]'],
  ['{{printf "%.1f%%" .Ratio}}', '0.5%'],
  ['{{println .ID .Size}}', 'abc123 1234\n'],
  // Sprint puts spaces only between operands that are both non-strings.
  ['{{print .ID .Size 1 2 "a" "b"}}', 'abc1231234 1 2ab'],
  ['{{pad .ID 2 3}}|{{pad .Empty 2 3}}|', '  abc123   ||'],
  ['{{truncate .ID 3}} {{truncate .ID 30}}', 'abc abc123'],
  ['{{if eq .ID "abc123"}}yes{{end}}', 'yes'],
  ['{{if eq .Size 1 2 1234}}yes{{end}}', 'yes'],
  ['{{if lt .Size 2000}}lt{{end}}{{if ne .Size 1}}ne{{end}}', 'ltne'],
  ['{{if and .T .F}}x{{else}}y{{end}}', 'y'],
  ['{{or .Empty .Zero .ID}} {{and .T .ID}} {{not .Empty}}', 'abc123 abc123 true'],
  ['{{range .Names}}[{{.}}]{{end}}', '[web][db]'],
  ['{{range $i, $n := .Names}}{{$i}}={{$n}} {{end}}', '0=web 1=db '],
  ['{{range $k, $v := .Labels}}{{$k}}={{$v}};{{end}}', 'a=1;b=2;com.x=y;'],
  ['{{range .Missing}}x{{else}}empty{{end}}', 'empty'],
  ['{{range .Nested.L}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}', '13'],
  ['{{range .Nested.L}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}', '1'],
  ['{{range 3}}{{.}}{{end}}', '012'],
  ['{{with .Nested.A}}{{.B}}{{end}}{{with .Missing}}x{{else}}no{{end}}', 'deepno'],
  ['{{if .Missing}}a{{else if .T}}b{{else}}c{{end}}', 'b'],
  ['{{$x := 1}}{{$x = 2}}{{$x}}', '2'],
  ['{{$.Nested.A.B}}', 'deep'],
  ['a  {{- .ID -}}  b', 'aabc123b'],
  ['a {{- /* comment */ -}} b', 'ab'],
  ['{{"\\u00e9\\x41\\101\\t"}}', 'éAA\t'],
  ["{{'a'}}", '97'],
  ['{{0x1F}} {{0o17}} {{0b101}} {{1_000}} {{-5}} {{+5}}', '31 15 5 1000 -5 5'],
  ['{{1.5}} {{0.1}} {{1e-7}}', '1.5 0.1 1e-07'],
  ['{{.Nil}} {{.Missing}} {{.Missing.X}}', '<no value> <no value> <no value>'],
  ['{{html .Html}} {{js "a\'b<c>"}} {{urlquery "a b&c=d/é"}}', '&lt;a&amp;b&gt; a\\\'b\\u003Cc\\u003E a+b%26c%3Dd%2F%C3%A9'],
  ['{{slice .ID 1 3}} {{slice .Names 1}}', 'bc [db]'],
  ['{{printf "%s" .Missing}} {{printf "%d"}} {{printf "%d %d" 1}} {{printf "%d" 1 2}}', '%!s(<nil>) %!d(MISSING) 1 %!d(MISSING) 1%!(EXTRA int=2)'],
  ['{{.Labels}} {{.T}} {{.Ratio}}', 'map[a:1 b:2 com.x:y] true 0.5'],
  ['{{printf "%T %T %T %T" .ID .Size .Ratio .Names}}', 'string int float64 []interface {}'],
  ['{{index .Nested "A" "B"}}', 'deep'],
  ['{{print nil}} {{printf "%v" nil}}', '<nil> <nil>'],
  ['{{.Uni | printf "%5.3s|"}}', '  hél|'],
  ['{{printf "%08.3f|%-8d|%+d|% d" .Ratio .Size .Size .Size}}', '0000.500|1234    |+1234| 1234'],
  ['{{printf "%c%c%U" 72 105 128512}}', 'HiU+1F600'],
  ['{{printf "%x %X %o %b" 255 255 8 5}}', 'ff FF 10 101'],
  ['{{printf "%e %g %G" .Ratio .Ratio 1.5e21}}', '5.000000e-01 0.5 1.5E+21'],
  ['x\n{{- \n .ID \n -}}\n y', 'xabc123y'],
  ['{{-3}} {{- 3}}', '-33'],
  ['{{(.Nested).A.B}} {{( .Nested.A ).B}}', 'deep deep'],
  ['{{if .T}}{{$v := 1}}{{else}}{{$v}}{{end}}', ''],
  // A function-valued field is called like a Go method, with arguments.
  ['{{.Label "com.example"}}', 'label:com.example'],
];

for (const [tmpl, want] of cases) {
  test(`template ${JSON.stringify(tmpl)}`, () => {
    assert.equal(compileTemplate(tmpl)(data), want);
  });
}

const parseErrors: Array<[string, string]> = [
  ['{{}}', 'template: :1: missing value for command'],
  ['{{if}}', 'template: :1: missing value for if'],
  ['{{range}}{{end}}', 'template: :1: missing value for range'],
  ['{{end}}', 'template: :1: unexpected {{end}}'],
  ['{{else}}', 'template: :1: unexpected {{else}}'],
  ['{{if .T}}', 'template: :1: unexpected EOF'],
  ['{{if .T}}{{else}}{{else}}{{end}}', 'template: :1: expected end; found {{else}}'],
  ['{{.ID', 'template: :1: unclosed action'],
  ['{{foo}}', 'template: :1: function "foo" not defined'],
  ['{{$y}}', 'template: :1: undefined variable "$y"'],
  ['{{.ID | 3}}', 'template: :1: non executable command in pipeline stage 2'],
  ['{{(1}}', 'template: :1: unclosed left paren'],
  ['{{1)}}', 'template: :1: unexpected ")" in command'],
  ['{{"abc}}', 'template: :1: unterminated quoted string'],
  ["{{'ab'}}", "template: :1: malformed character constant: 'ab'"],
  ['{{`abc}}', 'template: :1: unterminated raw quoted string'],
  ['{{0xZZ}}', 'template: :1: bad number syntax: "0xZ"'],
  ['{{3-}}', 'template: :1: bad number syntax: "3-"'],
  ['{{.A-B}}', "template: :1: bad character U+002D '-'"],
  ['{{break}}', 'template: :1: {{break}} outside {{range}}'],
  ['{{$x := 1 := 2}}', 'template: :1: unexpected ":=" in operand'],
  ['{{range $a, $b, $c := .Names}}{{end}}', 'template: :1: too many declarations in range'],
  ['{{with $a, $b := .Names}}{{end}}', 'template: :1: too many declarations in with'],
  ['{{true.X}}', 'template: :1: unexpected . after term "true"'],
  ['{{/* x }}', 'template: :1: unclosed comment'],
  ['{{/* x */ .ID}}', 'template: :1: comment ends before closing delimiter'],
  ['line1\n{{if}}', 'template: :2: missing value for if'],
  ['{{define "x"}}{{end}}', 'template: :1: {{define}} is not supported'],
];

for (const [tmpl, message] of parseErrors) {
  test(`template parse error ${JSON.stringify(tmpl)}`, () => {
    assert.throws(() => parseTemplate(tmpl), (err: unknown) => {
      assert.ok(isTugError(err, 'InvalidParameter'));
      assert.equal(err.message, message);
      return true;
    });
  });
}

const execErrors: Array<[string, string, string]> = [
  // Go positions a field chain at its second element.
  ['a{{.Nil.X}}', 'a', 'template: :1:7: executing "" at <.Nil.X>: nil pointer evaluating interface {}.X'],
  ['{{.ID.X}}', '', "template: :1:5: executing \"\" at <.ID.X>: can't evaluate field X in type interface {}"],
  ['{{.ID 1}}', '', 'template: :1:2: executing "" at <.ID>: ID is not a method but has arguments'],
  ['{{1 2}}', '', "template: :1:2: executing \"\" at <1>: can't give argument to non-function 1"],
  ['{{nil}}', '', 'template: :1:2: executing "" at <nil>: nil is not a command'],
  ['{{lower .Size}}', '', 'template: :1:8: executing "" at <.Size>: wrong type for value; expected string; got int'],
  ['{{truncate .ID "3"}}', '', 'template: :1:15: executing "" at <"3">: expected integer; found "3"'],
  ['{{json 1 2}}', '', 'template: :1:2: executing "" at <json>: wrong number of args for json: want 1 got 2'],
  ['{{eq .Names .ID}}', '', 'template: :1:2: executing "" at <eq .Names .ID>: error calling eq: incompatible types for comparison'],
  ['{{lt 1 1.5}}', '', 'template: :1:2: executing "" at <lt 1 1.5>: error calling lt: incompatible types for comparison'],
  ['{{index .Names 5}}', '', 'template: :1:2: executing "" at <index .Names 5>: error calling index: index out of range: 5'],
  ['{{range .ID}}{{end}}', '', "template: :1:8: executing \"\" at <.ID>: range can't iterate over abc123"],
  ['{{pad .ID -1 0}}', '', 'template: :1:2: executing "" at <pad .ID -1 0>: error calling pad: strings: negative Repeat count'],
];

for (const [tmpl, output, message] of execErrors) {
  test(`template exec error ${JSON.stringify(tmpl)}`, () => {
    assert.throws(() => compileTemplate(tmpl)(data), (err: unknown) => {
      assert.ok(err instanceof TemplateExecError);
      assert.ok(isTugError(err, 'InvalidParameter'));
      assert.equal(err.message, message);
      assert.equal(err.output, output);
      return true;
    });
  });
}

test('sprintf follows Go fmt', () => {
  const table: Array<[string, unknown[], string]> = [
    ['%5.1f|%-5d|%05d', [3.14159, 42, -42], '  3.1|42   |-0042'],
    ['%q %+q %#q', ['a"b', 'é', 'x'], '"a\\"b" "\\u00e9" `x`'],
    ['%v %v %v', [[1, 'a'], { b: 1, a: 2 }, null], '[1 a] map[a:2 b:1] <nil>'],
    ['%#v %#v', ['s', [1]], '"s" []interface {}{1}'],
    ['%[2]d %[1]d', [1, 2], '2 1'],
    ['%*d|%-*d', [4, 7, 3, 8], '   7|8  '],
    ['%!', [], '%!!(MISSING)'],
    ['%', [], '%!(NOVERB)'],
    ['%z', [1], '%!z(int=1)'],
    ['% x', ['hi'], '68 69'],
  ];
  for (const [f, args, want] of table) assert.equal(sprintf(f, args), want, f);
});

test('formatFloat rounds like strconv, half to even on the exact value', () => {
  assert.equal(formatFloat(2.5, 'f', 0), '2');
  assert.equal(formatFloat(1.25, 'g', 2), '1.2');
  assert.equal(formatFloat(999.95, 'g', 3), '1e+03');
  assert.equal(formatFloat(4.25984, 'g', 3), '4.26');
  assert.equal(formatFloat(1234567, 'g', -1), '1.234567e+06');
  assert.equal(formatFloat(0.000012, 'g', -1), '1.2e-05');
  assert.equal(formatFloat(0.1 + 0.2, 'f', 20), '0.30000000000000004441');
  assert.equal(formatFloat(5e-324, 'e', 3), '4.941e-324');
});

test('Funcs can be replaced per execution, as docker does for headers', () => {
  const t = parseTemplate('{{.Name | upper}}');
  assert.equal(t.execute({ Name: 'x' }), 'X');
  assert.equal(t.execute({ Name: 'NAME' }, { upper: { params: ['string'], call: (s) => s } }), 'NAME');
});


test('fuzz: templates only ever fail with InvalidParameter', () => {
  const rand = mulberry32(0xf00d);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)];
  const tokens = ['{{', '}}', '{{-', '-}}', ' ', '.', '.ID', '.Names', '.Nil', '$', '$x', ':=', '=', '|', '(', ')', '"s"', '`r`', "'c'",
    '1', '-2', '1.5', '0x', 'if', 'else', 'end', 'range', 'with', 'break', 'continue', 'nil', 'true', 'json', 'index', 'printf', '"%d"',
    'len', 'eq', 'lt', 'and', 'or', 'not', 'slice', 'join', 'split', 'pad', 'truncate', ',', '/*', '*/', '\n', '\\', 'é', '#', 'x'];
  for (let i = 0; i < 4000; i++) {
    let s = '';
    const n = Math.floor(rand() * 16);
    for (let j = 0; j < n; j++) s += pick(tokens) + (rand() < 0.5 ? ' ' : '');
    try {
      parseTemplate(s).execute(data);
    } catch (err) {
      assert.ok(isTugError(err, 'InvalidParameter'), `${JSON.stringify(s)}: ${String(err)}`);
    }
  }
});
