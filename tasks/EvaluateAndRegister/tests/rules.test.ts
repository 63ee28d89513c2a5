import { strict as assert } from 'node:assert';
import { InputError } from '../../../shared/errors';
import { evaluateRule, parseRules } from '../src/rules';

const rule = (text: string) => parseRules([{ line: 1, text }])[0];

describe('gate rules (MetricThreshold semantics)', () => {
  it('parses direction and options', () => {
    assert.deepEqual(rule('r2 higher threshold=0.5 minAbsoluteChange=0.01 minRelativeChange=0.1'), {
      line: 1,
      text: 'r2 higher threshold=0.5 minAbsoluteChange=0.01 minRelativeChange=0.1',
      metric: 'r2',
      higherIsBetter: true,
      threshold: 0.5,
      minAbsoluteChange: 0.01,
      minRelativeChange: 0.1,
    });
  });

  it('threshold bounds the candidate only', () => {
    assert.equal(evaluateRule(rule('mse lower threshold=10'), 9, 1, true).pass, true);
    assert.equal(evaluateRule(rule('mse lower threshold=10'), 11, 100, true).pass, false);
    assert.equal(evaluateRule(rule('r2 higher threshold=0.5'), 0.5, undefined, false).pass, true);
  });

  it("absolute and relative changes are improvements over the champion, in the rule's direction", () => {
    assert.equal(evaluateRule(rule('r2 higher minAbsoluteChange=0.05'), 0.55, 0.5, true).pass, true);
    assert.equal(evaluateRule(rule('r2 higher minAbsoluteChange=0.05'), 0.54, 0.5, true).pass, false);
    assert.equal(evaluateRule(rule('mse lower minRelativeChange=0.1'), 90, 100, true).pass, true);
    assert.equal(evaluateRule(rule('mse lower minRelativeChange=0.1'), 91, 100, true).pass, false);
    assert.equal(evaluateRule(rule('loss higher minRelativeChange=0.1'), -0.9, -1, true).pass, true, 'relative to |champion|');
    assert.equal(evaluateRule(rule('gain higher minRelativeChange=0.1'), 0.001, 0, true).pass, true, 'a zero champion needs a strict improvement');
  });

  it('a bare rule needs a strict improvement; without a champion it passes and says why', () => {
    assert.equal(evaluateRule(rule('mse lower'), 100, 100, true).pass, false);
    assert.equal(evaluateRule(rule('mse lower'), 99.9, 100, true).pass, true);
    const first = evaluateRule(rule('mse lower'), 5, undefined, false);
    assert.equal(first.pass, true);
    assert.equal(first.note, 'no champion: threshold only');
  });

  it('rejects malformed rules naming the line', () => {
    for (const [text, message] of [
      ['', /at least one rule is required/],
      ['mse', /the direction must be 'higher' or 'lower'/],
      ['mse lower threshold=abc', /threshold must be a number, not 'abc'/],
      ['mse lower minAbsoluteChange=-1', /minAbsoluteChange cannot be negative/],
      ['mse lower\nmse higher', /line 2 'mse higher': metric 'mse' already has a rule/],
    ] as const) {
      const lines = text ? text.split('\n').map((t, i) => ({ line: i + 1, text: t })) : [];
      assert.throws(
        () => parseRules(lines),
        (e: unknown) => e instanceof InputError && e.input === 'rules' && message.test(e.message),
        text,
      );
    }
  });
});
