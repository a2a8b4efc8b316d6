import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeError } from '../../src/cli/context.js';
import { isTugError } from '../../src/errors.js';
import { displayWidth, tabwrite } from '../../src/cli/format/tabwriter.js';
import { render, templateText } from '../../src/cli/format/table.js';

// Outputs checked against Go's text/tabwriter.NewWriter(w, 10, 1, 3, ' ', 0).
const cases: Array<[string, string]> = [
  ['', ''],
  ['a', 'a'],
  ['a\n', 'a\n'],
  ['a\tb\n', 'a         b\n'],
  ['REPOSITORY\tTAG\tIMAGE ID\nbusybox\tlatest\tabc\n', 'REPOSITORY   TAG       IMAGE ID\nbusybox      latest    abc\n'],
  // A column is only as wide as the block of consecutive lines that have it.
  ['aaaa\tb\nc\nddddddddddddddd\te\n', 'aaaa      b\nc\nddddddddddddddd   e\n'],
  ['x\ty\tz\nxx\tyy\n', 'x         y         z\nxx        yy\n'],
  // An empty trailing cell at the very end is dropped, so "a" is not a column there.
  ['a\t', 'a'],
  ['a\tb', 'a         b'],
  ['\t\tc\n', '                    c\n'],
  ['名前\tx\n', '名前      x\n'],
];

for (const [input, want] of cases) {
  test(`tabwrite ${JSON.stringify(input)}`, () => {
    assert.equal(tabwrite(input), want);
  });
}

test('displayWidth counts terminal cells', () => {
  assert.equal(displayWidth('abc'), 3);
  assert.equal(displayWidth('héllo'), 5);
  assert.equal(displayWidth('e\u0301'), 1);
  assert.equal(displayWidth('日本'), 4);
  assert.equal(displayWidth('🐳'), 2);
});

test('templateText strips "table", trims spaces and expands \\t and \\n', () => {
  assert.equal(templateText('table {{.ID}}\\t{{.Name}}'), '{{.ID}}\t{{.Name}}');
  assert.equal(templateText('  {{.ID}}\\n '), '{{.ID}}\n');
  assert.equal(templateText('json'), '{{json .}}');
  assert.equal(templateText('table'), '');
  assert.equal(templateText('tablex'), 'x');
});

const rows = [
  { Repository: 'busybox', Tag: 'latest', ID: 'sha256:1', Ports: '0.0.0.0:80->80/tcp' },
  { Repository: 'registry.example.com/team/app', Tag: 'v1', ID: 'sha256:2', Ports: '' },
];
const headers = { Repository: 'REPOSITORY', Tag: 'TAG', ID: 'IMAGE ID', Ports: 'PORTS' };

test('render: a table has a header row and aligned columns', () => {
  assert.equal(
    render('table {{.Repository}}\\t{{.Tag}}\\t{{.ID}}', rows, headers),
    'REPOSITORY                      TAG       IMAGE ID\n' +
      'busybox                         latest    sha256:1\n' +
      'registry.example.com/team/app   v1        sha256:2\n',
  );
  assert.equal(render('table {{.Repository}}\\t{{.Tag}}', [], headers), 'REPOSITORY   TAG\n');
  assert.equal(render('table {{.Repository | lower}}:{{json .Tag}}', rows.slice(0, 1), headers), 'REPOSITORY:TAG\nbusybox:"latest"\n');
});

test('render: plain templates give one line per row', () => {
  assert.equal(render('{{.Repository}}:{{.Tag}}', rows, headers), 'busybox:latest\nregistry.example.com/team/app:v1\n');
  assert.equal(render('{{.Repository}}', [], headers), '');
});

test('render: json is one object per row, sorted and HTML-escaped like docker', () => {
  assert.equal(
    render('json', rows.slice(0, 1), headers),
    '{"ID":"sha256:1","Ports":"0.0.0.0:80-\\u003e80/tcp","Repository":"busybox","Tag":"latest"}\n',
  );
  // A field on its own goes through docker's encoder, which leaves HTML alone.
  assert.equal(render('{{json .Ports}}', rows.slice(0, 1), headers), '"0.0.0.0:80->80/tcp"\n');
});

test('render: the default format stands in for "" and a bare "table"', () => {
  const opts = { defaultFormat: 'table {{.ID}}' };
  assert.equal(render('table', rows, headers, opts), 'IMAGE ID\nsha256:1\nsha256:2\n');
  assert.equal(render('', rows, headers, opts), 'IMAGE ID\nsha256:1\nsha256:2\n');
});

test('render: template errors are InvalidParameter with docker\'s prefix', () => {
  const check = (format: string, message: string) =>
    assert.throws(() => render(format, rows, headers), (err: unknown) => {
      assert.ok(isTugError(err, 'InvalidParameter'));
      assert.equal(err.message, message);
      return true;
    });
  check('{{.ID', 'template parsing error: template: :1: unclosed action');
  check('{{.ID 1}}', 'template parsing error: template: :1:2: executing "" at <.ID>: ID is not a method but has arguments');
});

test('render: rows of a docker context type refuse a field they lack; plain rows print <no value>', () => {
  assert.equal(render('{{.Nope}}', rows, headers), '<no value>\n<no value>\n');
  assert.throws(() => render('{{.ID}} {{.Nope}}', rows, headers, { context: '*formatter.imageContext' }), (err: unknown) => {
    assert.ok(isTugError(err, 'InvalidParameter'));
    assert.equal(err.message, 'template parsing error: template: :1:10: executing "" at <.Nope>: can\'t evaluate field Nope in type *formatter.imageContext');
    // Printed as it stands, as docker prints it.
    assert.equal(describeError(err), err.message);
    return true;
  });
  // Fields they have, and {{json .}}, are unchanged.
  assert.equal(render('{{.ID}}', rows, headers, { context: '*formatter.imageContext' }), 'sha256:1\nsha256:2\n');
  assert.equal(render('{{json .}}', rows, headers, { context: '*formatter.imageContext' }), render('{{json .}}', rows, headers));
});
