// The network a build step runs on, from --network / RUN --network, as the classic builder takes it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildNetworkMode } from '../../src/build/run.js';

describe('buildNetworkMode', () => {
  const table: [string | undefined, string][] = [
    [undefined, 'bridge'],
    ['', 'bridge'],
    ['default', 'bridge'],
    ['bridge', 'bridge'],
    ['host', 'host'],
    ['none', 'none'],
    ['mynet', 'mynet'],
    ['container:web', 'container:web'],
  ];
  for (const [given, want] of table) it(`${JSON.stringify(given)} → ${want}`, () => assert.equal(buildNetworkMode(given), want));
});
