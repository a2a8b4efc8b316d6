// Event filters as dockerd's daemon/events/filter.go applies them, one table row per rule.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { compileEventFilter, type EventFilters, type EventMessage, type EventType } from '../../src/events/index.js';

const ID = 'sha256:2b8fd9751c4c0f5dd266fcae00707e67a2545ef34f9a29354585f93dac906749';
const CTR = '3f4e8c1d2b5a69708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8';

function ev(Type: EventType, Action: string, ActorID: string, Attributes: Record<string, string> = {}, scope: 'local' | 'swarm' = 'local'): EventMessage {
  return { Type, Action, Actor: { ID: ActorID, Attributes }, scope, time: 1, timeNano: 1_000_000_000n };
}

const containerCreate = ev('container', 'create', CTR, { image: 'busybox:latest', name: 'web-1', team: 'tug' });
const execStart = ev('container', 'exec_start: sh -c true', CTR, { image: 'busybox', name: 'web-1', execID: 'e1' });
const health = ev('container', 'health_status: healthy', CTR, { image: 'busybox', name: 'web-1' });
const imageTag = ev('image', 'tag', ID, { name: 'example/echo:1.0', team: 'tug' });
const imageUntag = ev('image', 'untag', ID, { name: ID });
const imagePrune = ev('image', 'prune', '', { reclaimed: '0' });
const network = ev('network', 'connect', 'n1d2', { name: 'bridge', container: CTR, type: 'bridge' });
const swarmNode = ev('node', 'update', 'nodeid1', { name: 'worker-1' }, 'swarm');
const all = { containerCreate, execStart, health, imageTag, imageUntag, imagePrune, network, swarmNode };

// [filters, names of the events that pass]
const table: [string, EventFilters, (keyof typeof all)[]][] = [
  ['type', { type: ['image'] }, ['imageTag', 'imageUntag', 'imagePrune']],
  ['types are ORed', { type: ['image', 'network'] }, ['imageTag', 'imageUntag', 'imagePrune', 'network']],
  ['event is exact', { event: ['create'] }, ['containerCreate']],
  ['exec_start matches by prefix', { event: ['exec_start'] }, ['execStart']],
  ['health_status matches by prefix', { event: ['health_status'] }, ['health']],
  ['a prefix word makes every event value a prefix', { event: ['health_status', 'un'] }, ['health', 'imageUntag']],
  ['a full exec action is exact', { event: ['exec_start: sh -c true'] }, ['execStart']],
  // container (and the other name filters) match any event whose actor ID or name starts with it.
  ['container by ID prefix', { container: ['3f4e8c'] }, ['containerCreate', 'execStart', 'health']],
  ['the container attribute of a network event is not matched', { container: [CTR] }, ['containerCreate', 'execStart', 'health']],
  ['container by name prefix', { container: ['web'] }, ['containerCreate', 'execStart', 'health']],
  ['container by full name', { container: ['web-1'] }, ['containerCreate', 'execStart', 'health']],
  ['container name is not a suffix match', { container: ['eb-1'] }, []],
  ['container filter sees image events too', { container: ['example/'] }, ['imageTag']],
  ['network by name', { network: ['bridge'] }, ['network']],
  ['node by ID', { node: ['nodeid'] }, ['swarmNode']],
  // image matches the ID, the name (image events) or image (other events), with and without tag.
  ['image by repository', { image: ['busybox'] }, ['containerCreate', 'execStart', 'health']],
  ['image by tag', { image: ['busybox:latest'] }, ['containerCreate']],
  ['image by tagged name of an image event', { image: ['example/echo:1.0'] }, ['imageTag']],
  ['image by repository of an image event', { image: ['example/echo'] }, ['imageTag']],
  ['image by ID', { image: [ID] }, ['imageTag', 'imageUntag']],
  ['image ID prefixes do not match', { image: [ID.slice(0, 19)] }, []],
  ['an image ID parses as repository sha256', { image: ['sha256'] }, ['imageTag', 'imageUntag']],
  ['label key', { label: ['team'] }, ['containerCreate', 'imageTag']],
  ['label key=value', { label: ['team=tug'] }, ['containerCreate', 'imageTag']],
  ['label with another value', { label: ['team=other'] }, []],
  ['labels are ANDed', { label: ['team', 'name=web-1'] }, ['containerCreate']],
  ['label sees all attributes', { label: ['execID'] }, ['execStart']],
  ['scope local', { scope: ['local'] }, ['containerCreate', 'execStart', 'health', 'imageTag', 'imageUntag', 'imagePrune', 'network']],
  ['scope swarm', { scope: ['swarm'] }, ['swarmNode']],
  ['filters are ANDed', { type: ['container'], event: ['create'], label: ['team=tug'] }, ['containerCreate']],
  ['unknown names are accepted and match all', { bogus: ['x'] }, Object.keys(all) as (keyof typeof all)[]],
  ['an empty value list matches all', { type: [] }, Object.keys(all) as (keyof typeof all)[]],
];

describe('event filters', () => {
  it('no filters compile to no predicate (every event passes)', () => {
    assert.equal(compileEventFilter({}), undefined);
  });
  for (const [name, filters, want] of table) {
    it(name, () => {
      const match = compileEventFilter(filters);
      assert.ok(match);
      const got = (Object.keys(all) as (keyof typeof all)[]).filter((k) => match(all[k]));
      assert.deepEqual(got, want);
    });
  }
});
