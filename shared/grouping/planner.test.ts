import { strict as assert } from 'node:assert';
import { CONTAINER_NAME, containerName, planGroups, sortKey, type ModelInfo, type PlanSettings, type RoutingMap } from './planner';

const SETTINGS: PlanSettings = {
  splittingTags: ['brand'],
  sortingTags: ['store'],
  maxContainerSize: 3,
  servicePrefix: 'mm',
  maxNameLength: 63,
  reset: false,
  updateAll: false,
};

function models(spec: string): ModelInfo[] {
  // "a:1:s2 b:1:s10" -> brand a, store s2 / brand b ...: name = <brand>-<store>
  return spec
    .split(/\s+/)
    .filter(Boolean)
    .map((item) => {
      const [brand, version, store] = item.split(':');
      return { name: `${brand}-${store}`, version, tags: { brand, store } };
    });
}

function routed(routing: RoutingMap): string[] {
  return Object.values(routing.containers)
    .flatMap((c) => Object.keys(c.models))
    .sort();
}

describe('many-models planner', () => {
  const first = models('a:1:s1 a:1:s2 a:1:s10 a:1:s3 b:1:s1');

  it('first deploy: groups by splitting tags, fills containers in numeric-aware sort order', () => {
    const plan = planGroups(first, undefined, SETTINGS);
    assert.deepEqual(plan.counts, { new: 3, update: 0, unchanged: 0, delete: 0 });
    assert.deepEqual(
      plan.containers.map((c) => [c.name, c.models.map((m) => m.name)]),
      [
        ['mm-a-1', ['a-s1', 'a-s2', 'a-s3']],
        ['mm-a-2', ['a-s10']],
        ['mm-b-1', ['b-s1']],
      ],
    );
  });

  it('no change: everything unchanged (0 deployments)', () => {
    const one = planGroups(first, undefined, SETTINGS);
    assert.deepEqual(planGroups(first, one.routing, SETTINGS).counts, { new: 0, update: 0, unchanged: 3, delete: 0 });
  });

  it('add: new models fill free slots of their group first', () => {
    const one = planGroups(first, undefined, SETTINGS);
    const plan = planGroups([...first, ...models('a:1:s4 a:1:s5 b:1:s2')], one.routing, SETTINGS);
    assert.deepEqual(
      plan.containers.map((c) => [c.name, c.action, c.models.map((m) => m.name)]),
      [
        ['mm-a-1', 'unchanged', ['a-s1', 'a-s2', 'a-s3']],
        ['mm-a-2', 'update', ['a-s10', 'a-s4', 'a-s5']],
        ['mm-b-1', 'update', ['b-s1', 'b-s2']],
      ],
    );
  });

  it('delete: a container whose models are all gone is deleted; the others are untouched', () => {
    const one = planGroups(first, undefined, SETTINGS);
    const plan = planGroups(
      first.filter((m) => m.name !== 'b-s1' && m.name !== 'a-s2'),
      one.routing,
      SETTINGS,
    );
    assert.deepEqual(
      plan.containers.map((c) => [c.name, c.action]),
      [
        ['mm-a-1', 'update'],
        ['mm-a-2', 'unchanged'],
        ['mm-b-1', 'delete'],
      ],
    );
    assert.ok(!('mm-b-1' in plan.routing.containers));
  });

  it('version bump: exactly its container is updated', () => {
    const one = planGroups(first, undefined, SETTINGS);
    const bumped = first.map((m) => (m.name === 'a-s10' ? { ...m, version: '2' } : m));
    const plan = planGroups(bumped, one.routing, SETTINGS);
    assert.deepEqual(plan.counts, { new: 0, update: 1, unchanged: 2, delete: 0 });
    assert.deepEqual(plan.containers.find((c) => c.action === 'update')?.reasons, ['1 new version(s)']);
    assert.equal(plan.routing.containers['mm-a-2'].models['a-s10'], '2');
  });

  it('shrink: the overflow is relocated into new containers without a reset; grow: new models fill the room', () => {
    const one = planGroups(first, undefined, SETTINGS);
    const shrunk = planGroups(first, one.routing, { ...SETTINGS, maxContainerSize: 2 });
    assert.deepEqual(
      shrunk.containers.map((c) => [c.name, c.action, c.models.map((m) => m.name)]),
      [
        ['mm-a-1', 'update', ['a-s1', 'a-s2']],
        ['mm-a-2', 'update', ['a-s10', 'a-s3']],
        ['mm-b-1', 'unchanged', ['b-s1']],
      ],
    );
    const grown = planGroups([...first, ...models('a:1:s6')], shrunk.routing, { ...SETTINGS, maxContainerSize: 5 });
    assert.deepEqual(
      grown.containers.map((c) => [c.name, c.action, c.models.length]),
      [
        ['mm-a-1', 'update', 3],
        ['mm-a-2', 'unchanged', 2],
        ['mm-b-1', 'unchanged', 1],
      ],
    );
  });

  it('reset rebuilds from scratch; updateAll marks every container', () => {
    const one = planGroups(first, undefined, SETTINGS);
    assert.deepEqual(planGroups(first, one.routing, { ...SETTINGS, reset: true }).counts, { new: 3, update: 0, unchanged: 0, delete: 0 });
    const renamed = planGroups(first, one.routing, { ...SETTINGS, reset: true, servicePrefix: 'v2' });
    assert.deepEqual(
      renamed.containers.filter((c) => c.action === 'delete').map((c) => c.name),
      ['mm-a-1', 'mm-a-2', 'mm-b-1'],
      'containers the reset does not rebuild are deleted',
    );
    assert.deepEqual(Object.keys(renamed.routing.containers), ['v2-a-1', 'v2-a-2', 'v2-b-1']);
    const all = planGroups(first, one.routing, { ...SETTINGS, updateAll: true });
    assert.deepEqual(all.counts, { new: 0, update: 3, unchanged: 0, delete: 0 });
    assert.deepEqual(all.containers[0].reasons, ['updateAll']);
  });

  it('models missing a splitting tag are listed, never silently dropped', () => {
    const plan = planGroups([...first, { name: 'orphan', version: '1', tags: { store: 's9' } }], undefined, SETTINGS);
    assert.deepEqual(plan.missingTags, [{ model: 'orphan', missing: ['brand'], otherCase: [] }]);
    assert.ok(!routed(plan.routing).includes('orphan'));
  });

  it('a served model whose new version lost its splitting tag keeps serving its old version where it is', () => {
    const one = planGroups(first, undefined, SETTINGS);
    const retrained = first.map((m) => (m.name === 'a-s2' ? { name: 'a-s2', version: '2', tags: { Brand: 'a', store: 's2' } } : m));
    const plan = planGroups(retrained, one.routing, SETTINGS);
    assert.deepEqual(plan.missingTags, [{ model: 'a-s2', missing: ['brand'], otherCase: ['Brand'], heldIn: { container: 'mm-a-1', version: '1' } }]);
    assert.deepEqual(plan.counts, { new: 0, update: 0, unchanged: 3, delete: 0 }, 'nothing changes on its account');
    assert.equal(plan.routing.containers['mm-a-1'].models['a-s2'], '1');
    assert.deepEqual(routed(plan.routing), routed(one.routing));
  });

  it('a reset cannot hold a model without its splitting tag: it leaves the routing (for the change guard to see)', () => {
    const one = planGroups(first, undefined, SETTINGS);
    const retrained = first.map((m) => (m.name === 'a-s2' ? { ...m, version: '2', tags: { store: 's2' } } : m));
    const plan = planGroups(retrained, one.routing, { ...SETTINGS, reset: true });
    assert.equal(plan.missingTags[0].heldIn, undefined);
    assert.ok(!routed(plan.routing).includes('a-s2'));
  });

  it('names follow Azure rules, with a stable short hash when too long', () => {
    assert.equal(containerName('MM', ['Brand A', 'Store/7'], 1, 63), 'mm-brand-a-store-7-1');
    const long = containerName('many-models', ['a-very-long-brand-name-that-goes-on', 'and-a-store-name-too'], 12, 32);
    assert.ok(long.length <= 32, long);
    assert.match(long, CONTAINER_NAME);
    assert.equal(long, containerName('many-models', ['a-very-long-brand-name-that-goes-on', 'and-a-store-name-too'], 12, 32), 'deterministic');
    assert.match(containerName('9x', ['7'], 1, 63), /^m-9x-7-1$/);
  });

  it('sorts numeric-aware and case-insensitively through plain string keys', () => {
    const values = ['s10', 'S2', 's2a', 's1', 'b', 'a100', 'a99', 's002'];
    assert.deepEqual(
      [...values].sort((a, b) => (sortKey(a) < sortKey(b) ? -1 : sortKey(a) > sortKey(b) ? 1 : 0)),
      ['a99', 'a100', 'b', 's1', 'S2', 's002', 's2a', 's10'],
    );
  });

  it('is deterministic under shuffled input', () => {
    const many = Array.from({ length: 40 }, (_, i) => ({ name: `m${i}`, version: '1', tags: { brand: `b${i % 3}`, store: String(i) } }));
    const one = planGroups(many, undefined, SETTINGS);
    for (let k = 0; k < 5; k++) {
      const shuffled = [...many].sort(() => Math.random() - 0.5);
      assert.deepEqual(planGroups(shuffled, undefined, SETTINGS), one);
    }
  });

  it('property: over random histories every registered model is routed exactly once, within size, in its group', () => {
    let seed = 42;
    const rand = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    let registry = new Map<string, ModelInfo>();
    let routing: RoutingMap | undefined;
    let size = 4;
    for (let step = 0; step < 150; step++) {
      const op = rand(5);
      if (op <= 1)
        for (let i = 0; i < 1 + rand(6); i++) {
          const n = `m${rand(80)}`;
          registry.set(n, { name: n, version: '1', tags: { brand: `b${rand(4)}`, store: String(rand(50)) } });
        }
      if (op === 2) for (const n of [...registry.keys()].filter(() => rand(5) === 0)) registry.delete(n);
      if (op === 3) for (const m of [...registry.values()].filter(() => rand(4) === 0)) registry.set(m.name, { ...m, version: String(Number(m.version) + 1) });
      if (op === 4) size = 1 + rand(6);
      const plan = planGroups([...registry.values()], routing, { ...SETTINGS, maxContainerSize: size });
      routing = plan.routing;
      assert.deepEqual(routed(routing), [...registry.keys()].sort(), `step ${step}: every model routed exactly once`);
      for (const [name, c] of Object.entries(routing.containers)) {
        assert.ok(Object.keys(c.models).length <= size, `step ${step}: ${name} within size`);
        assert.match(name, CONTAINER_NAME);
        for (const [model, version] of Object.entries(c.models)) {
          assert.equal(registry.get(model)?.tags.brand, c.group.brand, `step ${step}: ${model} in its group`);
          assert.equal(registry.get(model)?.version, version);
        }
      }
      registry = new Map(registry);
    }
  });
});
