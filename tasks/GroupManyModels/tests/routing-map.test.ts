import { strict as assert } from 'node:assert';
import { planGroups, type ModelInfo, type PlanSettings } from '../../../shared/grouping/planner';
import { parseRoutingMap, receiversOf, settleRouting, type DeployedRoutingMap, type Outcome } from '../src/routing-map';

const SETTINGS: PlanSettings = {
  splittingTags: ['brand'],
  sortingTags: ['store'],
  maxContainerSize: 2,
  servicePrefix: 'mm',
  maxNameLength: 63,
  reset: false,
  updateAll: false,
};
const model = (brand: string, store: number, version = '1'): ModelInfo => ({ name: `${brand}-${store}`, version, tags: { brand, store: String(store) } });
const service = (name: string) => ({ kind: 'aci' as const, scoringUri: `http://${name}/score`, resourceId: `/cg/${name}` });

/** Deploys every planned container successfully and returns the resulting map. */
function deployAll(models: ModelInfo[], previous: DeployedRoutingMap | undefined, settings = SETTINGS): DeployedRoutingMap {
  const plan = planGroups(models, previous, settings);
  const outcomes = new Map<string, Outcome>(
    plan.containers.map((c) => [
      c.name,
      c.action === 'delete' ? { state: 'deleted' } : c.action === 'unchanged' ? { state: 'unchanged' } : { state: 'deployed', service: service(c.name) },
    ]),
  );
  return settleRouting(plan, previous, outcomes, new Set(models.map((m) => m.name)), 'aci').map;
}

describe('GroupManyModels routing map', () => {
  const first = [model('a', 1), model('a', 2), model('a', 3), model('b', 1)];

  it('after a clean rollout, routes each model once, with the container service and sorted keys', () => {
    const map = deployAll(first, undefined);
    assert.deepEqual(Object.keys(map.containers), ['mm-a-1', 'mm-a-2', 'mm-b-1']);
    assert.deepEqual(map.containers['mm-a-1'], { group: { brand: 'a' }, models: { 'a-1': '1', 'a-2': '1' }, service: service('mm-a-1') });
    assert.equal(JSON.stringify(deployAll(first, map)), JSON.stringify(map), 'a no-change run gives byte-identical content');
  });

  it('a container that hands models to another waits for it: receiversOf names the receivers', () => {
    const map = deployAll(first, undefined);
    const plan = planGroups([...first, model('a', 4)], map, { ...SETTINGS, maxContainerSize: 1 });
    const receivers = receiversOf(plan, map);
    // a-2 leaves mm-a-1 (size 1) and a-3 stays in mm-a-2: the overflow goes to a new container.
    assert.deepEqual([...(receivers.get('mm-a-1') ?? [])], ['mm-a-3']);
    const moved = planGroups(
      first.map((m) => (m.name === 'b-1' ? { ...m, tags: { ...m.tags, brand: 'a' } } : m)),
      map,
      { ...SETTINGS, maxContainerSize: 3 },
    );
    assert.deepEqual([...(receivers.get('mm-b-1') ?? [])], [], 'no moves, no receivers');
    assert.deepEqual([...(receiversOf(moved, map).get('mm-b-1') ?? [])], ['mm-a-1'], 'a model whose group changed moves to the new group');
  });

  it('a failed update keeps the old entries (old versions); a failed new container leaves its new models unrouted', () => {
    const map = deployAll(first, undefined);
    const next = [...first.map((m) => (m.name === 'a-1' ? model('a', 1, '2') : m)), model('c', 1)];
    const plan = planGroups(next, map, SETTINGS);
    const outcomes = new Map<string, Outcome>([
      ['mm-a-1', { state: 'failed', error: 'boom' }],
      ['mm-a-2', { state: 'unchanged' }],
      ['mm-b-1', { state: 'unchanged' }],
      ['mm-c-1', { state: 'failed', error: 'boom' }],
    ]);
    const { map: settled, unrouted } = settleRouting(plan, map, outcomes, new Set(next.map((m) => m.name)), 'aci');
    assert.deepEqual(settled.containers['mm-a-1'], map.containers['mm-a-1'], 'a-1 stays on version 1 in mm-a-1');
    assert.ok(!('mm-c-1' in settled.containers));
    assert.deepEqual(unrouted, ['c-1']);
  });

  it('a deletion held back keeps serving the models its failed receiver did not take over', () => {
    const map = deployAll(first, undefined);
    // b-1 changes group to a: mm-b-1 is emptied (delete) and b-1 goes to mm-a-2, which fails.
    const next = first.map((m) => (m.name === 'b-1' ? { ...m, tags: { brand: 'a', store: '9' } } : m));
    const plan = planGroups(next, map, SETTINGS);
    assert.deepEqual(
      plan.containers.map((c) => [c.name, c.action]),
      [
        ['mm-a-1', 'unchanged'],
        ['mm-a-2', 'update'],
        ['mm-b-1', 'delete'],
      ],
    );
    const outcomes = new Map<string, Outcome>([
      ['mm-a-1', { state: 'unchanged' }],
      ['mm-a-2', { state: 'failed', error: 'x' }],
      ['mm-b-1', { state: 'kept', reason: 'mm-a-2 failed' }],
    ]);
    const { map: settled, unrouted } = settleRouting(plan, map, outcomes, new Set(next.map((m) => m.name)), 'aci');
    assert.deepEqual(Object.keys(settled.containers['mm-b-1'].models), ['b-1']);
    assert.deepEqual(Object.keys(settled.containers['mm-a-2'].models), ['a-3']);
    assert.deepEqual(unrouted, []);
  });

  it('a model deleted from the registry is not kept alive by a failed container', () => {
    const map = deployAll(first, undefined);
    const next = first.filter((m) => m.name !== 'a-2');
    const plan = planGroups(next, map, SETTINGS);
    const { map: settled } = settleRouting(plan, map, new Map([['mm-a-1', { state: 'failed', error: 'x' }]]), new Set(next.map((m) => m.name)), 'aci');
    assert.deepEqual(Object.keys(settled.containers['mm-a-1'].models), ['a-1']);
  });

  it('reads back only routing maps of this task, naming the version otherwise', () => {
    const map = deployAll(first, undefined);
    assert.deepEqual(parseRoutingMap(JSON.stringify(map), 'v1'), map);
    assert.throws(() => parseRoutingMap('{"containers": {}}', "Model 'x' version '3'"), /Model 'x' version '3' is not a routing map of this task/);
    assert.throws(() => parseRoutingMap('nope', 'v2'), /v2 is not JSON/);
  });
});
