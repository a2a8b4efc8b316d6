// GET /events on the wire: the JSON line per API version, decoding it back, and the
// since/until query values with dockerd's error texts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTugError } from '../../src/errors.js';
import { encodeEvent, parseEventLine, parseEventWindow, parseUnixTimestamp, type EventMessage } from '../../src/events/index.js';
import { mulberry32 } from '../helpers/random.js';

const ID = 'sha256:2b8fd9751c4c0f5dd266fcae00707e67a2545ef34f9a29354585f93dac906749';
const T = 1_795_367_775_123_456_789n;

function msg(Type: EventMessage['Type'], Action: string, ActorID: string, Attributes: Record<string, string>): EventMessage {
  return { Type, Action, Actor: { ID: ActorID, Attributes }, scope: 'local', time: 1_795_367_775, timeNano: T };
}

describe('encodeEvent', () => {
  const table: [string, EventMessage, boolean, string][] = [
    ['image, legacy fields', msg('image', 'tag', ID, { name: 'busybox:latest' }), true,
      `{"status":"tag","id":"${ID}","Type":"image","Action":"tag","Actor":{"ID":"${ID}","Attributes":{"name":"busybox:latest"}},"scope":"local","time":1795367775,"timeNano":1795367775123456789}\n`],
    ['container, legacy fields with from', msg('container', 'create', 'c1', { name: 'foo', image: 'busybox', 'a.label': 'x' }), true,
      '{"status":"create","id":"c1","from":"busybox","Type":"container","Action":"create","Actor":{"ID":"c1","Attributes":{"a.label":"x","image":"busybox","name":"foo"}},"scope":"local","time":1795367775,"timeNano":1795367775123456789}\n'],
    ['container without image: from omitted', msg('container', 'die', 'c1', { name: 'foo' }), true,
      '{"status":"die","id":"c1","Type":"container","Action":"die","Actor":{"ID":"c1","Attributes":{"name":"foo"}},"scope":"local","time":1795367775,"timeNano":1795367775123456789}\n'],
    ['network: no legacy fields at all', msg('network', 'connect', 'n1', { name: 'bridge' }), true,
      '{"Type":"network","Action":"connect","Actor":{"ID":"n1","Attributes":{"name":"bridge"}},"scope":"local","time":1795367775,"timeNano":1795367775123456789}\n'],
    ['API 1.52 and later: no legacy fields', msg('image', 'tag', ID, { name: 'busybox:latest' }), false,
      `{"Type":"image","Action":"tag","Actor":{"ID":"${ID}","Attributes":{"name":"busybox:latest"}},"scope":"local","time":1795367775,"timeNano":1795367775123456789}\n`],
    ['HTML escaped, keys in byte order', msg('image', 'prune', '', { reclaimed: '0', Z: '<a&b>', 'é': '\u2028' }), false,
      '{"Type":"image","Action":"prune","Actor":{"ID":"","Attributes":{"Z":"\\u003ca\\u0026b\\u003e","reclaimed":"0","é":"\\u2028"}},"scope":"local","time":1795367775,"timeNano":1795367775123456789}\n'],
  ];
  for (const [name, m, legacy, want] of table) {
    it(name, () => assert.equal(encodeEvent(m, { legacy }), want));
  }
});

describe('parseEventLine', () => {
  it('keeps timeNano to the nanosecond and reads the legacy fields', () => {
    const line = encodeEvent(msg('container', 'start', 'c1', { image: 'busybox', name: 'x' }), { legacy: true });
    const back = parseEventLine(line);
    assert.equal(back.timeNano, T);
    assert.deepEqual({ status: back.status, id: back.id, from: back.from }, { status: 'start', id: 'c1', from: 'busybox' });
  });

  it('is not fooled by an attribute that looks like timeNano', () => {
    const m = msg('container', 'create', 'c1', { '"timeNano":1,': '"timeNano":2', nested: '{"timeNano":3}' });
    assert.equal(parseEventLine(encodeEvent(m, { legacy: false })).timeNano, T);
  });

  it('fuzz: what encodeEvent writes decodes to the same message', () => {
    const rnd = mulberry32(42);
    const chars = 'ab"\\{}:,<>&é\u2028\n \t💡';
    const word = () => Array.from({ length: Math.floor(rnd() * 8) }, () => [...chars][Math.floor(rnd() * [...chars].length)]).join('');
    for (let i = 0; i < 500; i++) {
      const attrs: Record<string, string> = {};
      for (let k = 0; k < Math.floor(rnd() * 4); k++) attrs[word()] = word();
      const m: EventMessage = { ...msg('image', word(), word(), attrs), timeNano: BigInt(Math.floor(rnd() * 2 ** 52)) * 1000n + 7n };
      const back = parseEventLine(encodeEvent(m, { legacy: false }));
      assert.deepEqual(back, m);
    }
  });
});

describe('parseUnixTimestamp', () => {
  const ok: [string, bigint | undefined][] = [
    ['', undefined],
    ['1700000000', 1_700_000_000_000_000_000n],
    ['1700000000.5', 1_700_000_000_500_000_000n],
    ['1700000000.000000001', 1_700_000_000_000_000_001n],
    ['1700000000.1234567899', 1_700_000_000_123_456_789n],
    ['1700000000.', 1_700_000_000_000_000_000n],
    ['-1.5', -500_000_000n],
    ['+2', 2_000_000_000n],
  ];
  for (const [v, want] of ok) it(`${JSON.stringify(v)} → ${want}`, () => assert.equal(parseUnixTimestamp(v), want));

  const bad: [string, string][] = [
    ['abc', 'invalid timestamp "abc": invalid seconds "abc": invalid syntax'],
    [' 1', 'invalid timestamp " 1": invalid seconds " 1": invalid syntax'],
    ['99999999999999999999', 'invalid timestamp "99999999999999999999": invalid seconds "99999999999999999999": value out of range'],
    ['1.x', 'invalid timestamp "1.x": invalid nanoseconds: invalid character \'x\' at position 0'],
    ['1.5+', 'invalid timestamp "1.5+": invalid nanoseconds: invalid character \'+\' at position 1'],
    ['1.123456789012345678901', 'invalid timestamp "1.123456789012345678901": invalid nanoseconds: length 21 exceeds maximum 20'],
  ];
  for (const [v, message] of bad) {
    it(`refuses ${JSON.stringify(v)}`, () => {
      assert.throws(() => parseUnixTimestamp(v), (err: unknown) => isTugError(err, 'InvalidParameter') && err.message === message);
    });
  }
});

describe('parseEventWindow', () => {
  it('names the parameter that is wrong', () => {
    assert.throws(() => parseEventWindow('x', ''), { message: 'invalid value for \'since\': invalid timestamp "x": invalid seconds "x": invalid syntax' });
    assert.throws(() => parseEventWindow('', '1.y'), { message: 'invalid value for \'until\': invalid timestamp "1.y": invalid nanoseconds: invalid character \'y\' at position 0' });
  });

  it('refuses an until before since, with the values as given', () => {
    assert.throws(() => parseEventWindow('20', '10.5'), (err: unknown) =>
      isTugError(err, 'InvalidParameter') && err.message === '`since` time (20) cannot be after `until` time (10.5)');
  });

  it('accepts equal bounds and either bound alone', () => {
    assert.deepEqual(parseEventWindow('10', '10'), { since: 10_000_000_000n, until: 10_000_000_000n });
    assert.deepEqual(parseEventWindow('', '0'), { since: undefined, until: 0n });
    assert.deepEqual(parseEventWindow('5', ''), { since: 5_000_000_000n, until: undefined });
  });
});
