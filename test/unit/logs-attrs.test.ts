// The attributes json-file entries carry for the log options labels, labels-regex, env,
// env-regex and tag (dockerd's logger.Info.ExtraAttributes and ParseLogTag), and the checks made
// at create.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { hostname } from 'node:os';
import { detailsPrefix, logAttributes, logTagInfo } from '../../src/containers/logs/attrs.js';
import { entryAttrs, normalizeLogConfig } from '../../src/containers/logs/index.js';
import { InvalidParameterError } from '../../src/errors.js';

const ID = 'a'.repeat(20) + 'b'.repeat(44);
const IMAGE = `sha256:${'c'.repeat(12)}${'d'.repeat(52)}`;
const base = { ID, Name: '/web', Path: 'sh', Args: ['-c', 'echo hi'], Image: IMAGE };
const tag = logTagInfo({ ...base, Config: { Image: 'busybox:latest' } });
const ctx = { labels: { app: 'web', tier: 'front', 'com.x.y': '1' }, env: ['PATH=/bin', 'APP=env-wins', 'MODE=prod', 'BARE'], tag };

describe('log attributes', () => {
  it('come from the listed labels and env vars, and from the regexps; an env var wins over a label', () => {
    const cases: Array<[Record<string, string>, Record<string, string> | undefined]> = [
      [{}, undefined],
      [{ 'max-size': '1m' }, undefined],
      [{ labels: 'app,nope' }, { app: 'web' }],
      [{ labels: 'tier', 'labels-regex': '^com\\.' }, { 'com.x.y': '1', tier: 'front' }],
      [{ env: 'MODE,BARE,NOPE' }, { MODE: 'prod' }],
      [{ 'env-regex': '^(APP|MODE)$', labels: 'app' }, { APP: 'env-wins', MODE: 'prod', app: 'web' }],
      [{ labels: 'app', env: 'app' }, { app: 'web' }],
      [{ labels: '' }, undefined],
    ];
    for (const [config, want] of cases) assert.deepEqual(logAttributes(config, ctx), want, JSON.stringify(config));
    // Keys come sorted, as Go marshals a map.
    assert.deepEqual(Object.keys(logAttributes({ labels: 'tier,app,com.x.y' }, ctx)!), ['app', 'com.x.y', 'tier']);
  });

  it('take a tag from a template over the container, the shortcuts and full Go templates alike', () => {
    const cases: Array<[string, string]> = [
      ['{{.ID}}', ID.slice(0, 12)],
      ['{{.FullID}}', ID],
      ['{{.Name}}', 'web'],
      ['{{.Command}}', 'sh -c echo hi'],
      ['{{.ImageID}}', 'c'.repeat(12)],
      ['{{.ImageFullID}}', IMAGE],
      ['{{.ImageName}}', 'busybox:latest'],
      ['{{.Hostname}}', hostname()],
      ['{{.DaemonName}}/{{.Name}}/{{.ID}}', `docker/web/${ID.slice(0, 12)}`],
      ['{{upper .Name}}', 'WEB'],
      ['literal', 'literal'],
    ];
    for (const [template, want] of cases) assert.deepEqual(logAttributes({ tag: template }, ctx), { tag: want }, template);
  });

  it('refuse a bad regexp or template with an InvalidParameterError', () => {
    const bad: Array<Record<string, string>> = [{ 'labels-regex': '(' }, { 'env-regex': '[' }, { tag: '{{.Name' }, { tag: '{{nofunc .Name}}' }];
    for (const config of bad) {
      assert.throws(() => logAttributes(config, ctx), InvalidParameterError, JSON.stringify(config));
    }
    assert.throws(() => logAttributes({ 'labels-regex': '(' }, ctx), /^TugError: invalid log opt 'labels-regex': error parsing regexp: /);
  });

  it('are accepted by the json-file driver only, and made for json-file containers only', () => {
    const rec = (Type: string, Config: Record<string, string>) => ({ ...base, Config: { Image: 'busybox', Labels: { app: 'web' } }, HostConfig: { LogConfig: { Type, Config } } });
    assert.deepEqual(normalizeLogConfig({ Type: 'json-file', Config: { tag: 'x', labels: 'app', env: 'A', 'env-regex': '.', 'labels-regex': '.' } }).Config, { env: 'A', 'env-regex': '.', labels: 'app', 'labels-regex': '.', tag: 'x' });
    assert.throws(() => normalizeLogConfig({ Type: 'local', Config: { labels: 'app' } }), /unknown log opt 'labels' for log driver local/);
    assert.throws(() => normalizeLogConfig({ Type: 'json-file', Config: { label: 'app' } }), /unknown log opt 'label' for json-file log driver/);
    assert.equal(entryAttrs(rec('json-file', { labels: 'app', tag: '{{.Name}}' })), '{"app":"web","tag":"web"}');
    assert.equal(entryAttrs(rec('json-file', {})), undefined);
    assert.equal(entryAttrs(rec('', { labels: 'app' })), '{"app":"web"}');
    assert.equal(entryAttrs(rec('none', {})), undefined);
  });

  it('are put before a line by logs --details as url-escaped key=value pairs', () => {
    assert.equal(detailsPrefix(undefined), ' ');
    assert.equal(detailsPrefix({ b: '2', a: 'x y/z&é' }), 'a=x+y%2Fz%26%C3%A9,b=2 ');
    assert.equal(detailsPrefix({ "it's": '(*)!~._-' }), 'it%27s=%28%2A%29%21~._- ');
  });
});
