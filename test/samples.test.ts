import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ROOT } from '../scripts/lib/run-bundle';
import { checkPipeline, checkWalkthrough, visible } from './support/sample-check';

const DIR = path.join(REPO_ROOT, 'samples', 'pipelines');

describe('sample pipelines', () => {
  const files = fs.readdirSync(DIR);

  it('cover every seed flow', () => {
    assert.deepEqual(files.sort(), [
      'classic-release.md',
      'live-check.yml',
      'many-models.yml',
      'mlopspython-cicd.yml',
      'model-factory-ci.yml',
      'model-factory-pr.yml',
      'promotion.yml',
    ]);
  });

  for (const file of files.filter((f) => f.endsWith('.yml'))) {
    it(`${file}: every task, input and output-variable reference matches the task.json files`, () => {
      assert.deepEqual(checkPipeline(file, fs.readFileSync(path.join(DIR, file), 'utf8')), []);
    });
  }

  it('classic-release.md: every task, input and output named exists', () => {
    assert.deepEqual(checkWalkthrough('classic-release.md', fs.readFileSync(path.join(DIR, 'classic-release.md'), 'utf8')), []);
  });

  it("overview.md's YAML snippets use real task, input and output names", () => {
    const overview = fs.readFileSync(path.join(REPO_ROOT, 'overview.md'), 'utf8');
    const snippets = [...overview.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]);
    assert.ok(snippets.length >= 7);
    for (const [i, snippet] of snippets.entries()) {
      const wrapped = snippet.startsWith('- job:') ? `jobs:\n${snippet}` : `steps:\n${snippet}`;
      // A snippet is a fragment: references to jobs outside it cannot be checked; tasks and inputs can.
      assert.deepEqual(
        checkPipeline(`overview.md snippet ${i + 1}`, wrapped).filter((p) => !/dependencies\.\w+\.outputs/.test(p)),
        [],
      );
    }
  });

  it('the checks catch what they are meant to catch', () => {
    const bad = `
stages:
- stage: A
  jobs:
  - job: J
    steps:
    - task: DeployToAci@2
    - task: SmokeTest@1
      name: smoke
      inputs:
        target: url
        scoringUri: $(nope.scoringUri)
        payload: '{}'
        colour: red
    - task: NotOurs@1
- stage: B
  condition: eq(dependencies.A.outputs['J.smoke.missing'], 'x')
  jobs:
  - job: K
    variables:
      v: $[ stageDependencies.A.J.outputs['smoke.statusCode'] ]
    steps:
    - task: GroupManyModels@1
      inputs:
        target: kubernetes
`;
    const problems = checkPipeline('bad.yml', bad).join('\n');
    for (const expected of [
      /DeployToAci@2 does not exist/,
      /\$\(nope\.scoringUri\) names no output/,
      /SmokeTest has no input 'colour'/,
      /'NotOurs' is not a task/,
      /J\.smoke\.missing'\] names no declared output/,
      /GroupManyModels needs input 'computeName'/,
      /GroupManyModels needs input 'environment'/,
    ]) {
      assert.match(problems, expected);
    }
    assert.ok(!/statusCode/.test(problems), 'a declared output passes');
    assert.ok(!/needs input 'containerGroupName'/.test(problems.split('SmokeTest')[1] ?? ''), 'inputs hidden by visibleRule are not required');
    const walkthrough = checkWalkthrough(
      'bad.md',
      '1. **x** (`DeployToAci@1`), reference name `aci`:\n   - *y* (`colour`)\n   - $(aci.nothing)\n2. (`Nope@1`)',
    );
    assert.match(walkthrough.join('\n'), /DeployToAci has no input 'colour'[\s\S]*DeployToAci has no output 'nothing'[\s\S]*'Nope' is not a task/);
    assert.equal(visible('target = kubernetes', { target: 'aci' }), false);
    assert.equal(visible('a = 1 || b = 2', { a: '0', b: '2' }), true);
  });
});
