import { strict as assert } from 'node:assert';
import { evaluate, isTrue, type ExpressionContext } from './pipeline-expressions';

function ctx(results: string[] = ['Succeeded'], outputs: Record<string, string> = {}): ExpressionContext {
  return {
    variable: (name) => (({ env: 'prod', 'build.reason': 'PullRequest' }) as Record<string, string>)[name.toLowerCase()],
    dependency: (kind, p) => (p.includes('result') ? 'Succeeded' : outputs[`${kind}:${p.join('/')}`]),
    dependencyResults: () => results,
  };
}

describe('pipeline expressions (the local pipeline runner)', () => {
  it('evaluates functions, literals and variables as Azure Pipelines does', () => {
    assert.equal(isTrue("and(succeeded(), eq(variables['env'], 'PROD'))", ctx()), true, 'eq ignores case');
    assert.equal(isTrue("ne(variables.env, 'prod')", ctx()), false);
    assert.equal(isTrue("or(failed(), in(variables['Build.Reason'], 'Manual', 'PullRequest'))", ctx()), true);
    assert.equal(isTrue('not(always())', ctx()), false);
    assert.equal(isTrue("startsWith('refs/heads/main', 'refs/heads')", ctx()), true);
    assert.equal(evaluate("variables['missing']", ctx()), undefined);
  });

  it('succeeded() is false when a dependency failed or was skipped; succeededOrFailed() ignores failure', () => {
    assert.equal(isTrue('succeeded()', ctx(['Succeeded', 'SucceededWithIssues'])), true);
    assert.equal(isTrue('succeeded()', ctx(['Succeeded', 'Skipped'])), false);
    assert.equal(isTrue('succeeded()', ctx(['Failed'])), false);
    assert.equal(isTrue('failed()', ctx(['Failed'])), true);
    assert.equal(isTrue('succeededOrFailed()', ctx(['Failed'])), true);
  });

  it('reads dependencies and stageDependencies outputs', () => {
    const c = ctx(['Succeeded'], {
      'dependencies:Train/outputs/Evaluate.gate.registered': 'true',
      'stageDependencies:Train/Evaluate/outputs/gate.modelVersion': '3',
    });
    assert.equal(isTrue("eq(dependencies.Train.outputs['Evaluate.gate.registered'], 'true')", c), true);
    assert.equal(evaluate("stageDependencies.Train.Evaluate.outputs['gate.modelVersion']", c), '3');
    assert.equal(evaluate('dependencies.Train.result', c), 'Succeeded');
  });

  it('names the problem in a malformed expression', () => {
    assert.throws(() => isTrue("eq('a', 'b'", ctx()), /expected '\)'/);
    assert.throws(() => isTrue('bogus()', ctx()), /unknown function 'bogus'/);
    assert.throws(() => isTrue("eq('a)", ctx()), /unterminated string/);
  });
});
