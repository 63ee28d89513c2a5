import { strict as assert } from 'node:assert';
import { AssertionSyntaxError, evaluateAssertion, parseAssertion } from './assertions';
import { percentile } from './latency';

const BODY = { predictions: [6, 1.5], status: 'ok', meta: { 'model id': 'm-1', tags: ['a', 'b'] }, empty: null };

function check(text: string): string | undefined {
  return evaluateAssertion(parseAssertion(text, 1), BODY);
}

describe('assertions', () => {
  it('evaluates paths, length, equality and comparisons', () => {
    assert.equal(check('$.predictions exists'), undefined);
    assert.equal(check('len($.predictions) == 2'), undefined);
    assert.equal(check('$.predictions[0] == 6'), undefined);
    assert.equal(check('$.predictions[1] < 2'), undefined);
    assert.equal(check('$.predictions[1] >= 1.5'), undefined);
    assert.equal(check('$.status == "ok"'), undefined);
    assert.equal(check('$.status == ok'), undefined);
    assert.equal(check('$.status != "bad"'), undefined);
    assert.equal(check('$["meta"]["model id"] == "m-1"'), undefined);
    assert.equal(check('$.meta.tags contains "b"'), undefined);
    assert.equal(check('$.status contains o'), undefined);
    assert.equal(check('$.empty == null'), undefined);
    assert.equal(check('len($.meta) == 2'), undefined);
    assert.equal(check('$.predictions == [6, 1.5]'), undefined);
  });

  it('explains what failed', () => {
    assert.equal(check('len($.predictions) == 3'), 'got 2');
    assert.equal(check('$.predictions[5] exists'), 'the path does not exist in the response');
    assert.equal(check('$.status > 1'), 'got "ok", which is not a number');
    assert.equal(check('$.predictions[0] < 6'), 'got 6');
    assert.equal(check('len($.predictions[0]) == 1'), 'len() needs an array, string or object, got 6');
  });

  it('rejects malformed assertions with the line', () => {
    for (const [text, reason] of [
      ['predictions == 1', /expected '<path> <operator> <value>'/],
      ['$.a ~= 1', /expected an operator/],
      ['$.a ==', /'==' needs a value/],
      ['$.a > "x"', /compares numbers/],
      ['$.a exists 1', /'exists' takes no value/],
      ['$.a[x] == 1', /cannot read the path at '\[x\]'/],
      ['$.a == {bad', /is not a JSON literal/],
    ] as const) {
      assert.throws(
        () => parseAssertion(text, 4),
        (e: unknown) => e instanceof AssertionSyntaxError && e.message.startsWith(`line 4 '${text}'`) && reason.test(e.message),
        text,
      );
    }
  });

  it('computes nearest-rank percentiles', () => {
    assert.equal(percentile([], 0.5), 0);
    assert.equal(percentile([5], 0.95), 5);
    assert.equal(percentile([4, 1, 3, 2], 0.5), 2);
    assert.equal(
      percentile(
        [...Array(100).keys()].map((i) => i + 1),
        0.95,
      ),
      95,
    );
  });
});
