import { strict as assert } from 'node:assert';
import { planGroups, type ModelInfo, type PlanSettings } from '../../../shared/grouping/planner';
import { InputError } from '../../../shared/errors';
import { guardPlan } from '../src/change-guard';
import { checkTagCase, noMatchError } from '../src/tag-checks';

const SETTINGS: PlanSettings = {
  splittingTags: ['brand'],
  sortingTags: ['store'],
  maxContainerSize: 2,
  servicePrefix: 'mm',
  maxNameLength: 63,
  reset: false,
  updateAll: false,
};
const GUARD = { allowLargeChanges: false, largeChangeThreshold: 20 };
const model = (brand: string, store: number, version = '1'): ModelInfo => ({ name: `${brand}-${store}`, version, tags: { brand, store: String(store) } });
/** 10 brands of 2 stores: 20 models in 10 containers of 2. */
const fleet = Array.from({ length: 10 }, (_, b) => [model(`b${b}`, 1), model(`b${b}`, 2)]).flat();
const served = planGroups(fleet, undefined, SETTINGS).routing;

describe('GroupManyModels change guard', () => {
  it('a first deployment and a no-change run pass', () => {
    assert.equal(guardPlan(planGroups(fleet, undefined, SETTINGS), undefined, GUARD).verdict, 'passed');
    const same = guardPlan(planGroups(fleet, served, SETTINGS), served, GUARD);
    assert.deepEqual([same.verdict, same.served, same.removed, same.moved, same.changedPercent], ['passed', 20, [], [], 0]);
  });

  it('an empty listing (a typo in the filter) is blocked: every container would be deleted while serving', () => {
    const g = guardPlan(planGroups([], served, SETTINGS), served, GUARD);
    assert.equal(g.verdict, 'blocked');
    assert.equal(g.deletedServing.length, 10);
    assert.equal(g.removed.length, 20);
    assert.equal(g.changedPercent, 100);
    assert.match(g.reasons[0], /^it deletes 10 container\(s\) still serving 20 model\(s\) that would then be served nowhere \(mm-b0-1: b0-1, b0-2; /);
    assert.match(
      g.reasons[1],
      /removes 20 \(b0-1, b0-2, b1-1, b1-2, b2-1, and 15 more\) of the 20 served model\(s\): 100%, above largeChangeThreshold \(20%\)/,
    );
  });

  it('removing one model of a container of two is within the bounds; the last model of a container is not', () => {
    const oneGone = guardPlan(
      planGroups(
        fleet.filter((m) => m.name !== 'b3-2'),
        served,
        SETTINGS,
      ),
      served,
      GUARD,
    );
    assert.deepEqual([oneGone.verdict, oneGone.removed, oneGone.changedPercent], ['passed', ['b3-2'], 5]);
    const emptied = guardPlan(
      planGroups(
        fleet.filter((m) => !m.name.startsWith('b3-')),
        served,
        SETTINGS,
      ),
      served,
      GUARD,
    );
    assert.equal(emptied.verdict, 'blocked', 'a deleted container still served b3-1 and b3-2');
    assert.deepEqual(emptied.deletedServing, [{ container: 'mm-b3-1', models: ['b3-1', 'b3-2'] }]);
  });

  it('moves count toward the threshold; a deletion whose models all moved elsewhere is not a loss', () => {
    const shrink = planGroups(fleet, served, { ...SETTINGS, maxContainerSize: 1 });
    const g = guardPlan(shrink, served, GUARD);
    assert.deepEqual([g.moved.length, g.removed.length, g.deletedServing.length, g.changedPercent], [10, 0, 0, 50]);
    assert.equal(g.verdict, 'blocked');
    assert.equal(guardPlan(shrink, served, { ...GUARD, largeChangeThreshold: 50 }).verdict, 'passed', 'exactly at the threshold passes');
    assert.equal(guardPlan(shrink, served, { ...GUARD, allowLargeChanges: true }).verdict, 'allowed');
  });

  it('a splitting tag in the wrong case is an input error naming it; a retrain without the tag is held, not lost', () => {
    const models = fleet.map((m) => ({ name: m.name, version: m.version, id: m.name, tags: m.tags }));
    assert.throws(
      () => checkTagCase('splittingTags', ['Brand'], models, served),
      (e: unknown) =>
        e instanceof InputError &&
        /Input 'splittingTags': no model carries the tag 'Brand', but 'brand' exists \(the deployed containers are split by it\)/.test(e.message),
    );
    assert.throws(() => checkTagCase('sortingTags', ['Store'], models, undefined), /Input 'sortingTags'/);
    assert.doesNotThrow(() => checkTagCase('splittingTags', ['region'], models, served), 'a new tag is a regrouping for the guard, not a typo');
    const retrained = fleet.map((m) => (m.name === 'b3-1' ? { ...m, version: '2', tags: { Brand: 'b3', store: '1' } } : m));
    const g = guardPlan(planGroups(retrained, served, SETTINGS), served, GUARD);
    assert.deepEqual([g.verdict, g.removed, g.moved], ['passed', [], []]);
  });

  it('the no-match error names the filter, the closest existing tag and the common ones', () => {
    const sample = fleet.slice(0, 4).map((m) => ({ name: m.name, version: '1', id: m.name, tags: { ...m.tags, ModelType: 'many' } }));
    const err = noMatchError('ModelTyp=many', 'ws', 20, sample);
    assert.match(err.message, /^Input 'modelTagFilter': 'ModelTyp=many' matches none of the 20 model\(s\) in workspace 'ws', so nothing was changed/);
    assert.match(err.message, /Did you mean 'ModelTyp=many' -> 'ModelType=many'\?/);
    assert.match(err.message, /ModelType=many \(4\), brand=b0 \(2\), brand=b1 \(2\)/);
    assert.match(noMatchError('modeltype=many', 'ws', 20, sample).message, /-> 'ModelType=many'/, 'a wrong case is pointed out');
    assert.doesNotMatch(noMatchError('Team=vision', 'ws', 20, sample).message, /Did you mean/, 'no guess when nothing is close');
    assert.match(noMatchError('x', 'ws', 0, []).message, /has no registered model besides the routing model/);
  });
});
