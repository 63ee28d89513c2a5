import { strict as assert } from 'node:assert';
import { nodeBody } from '../src/node-rest';
import type { PipelineNode } from '../src/pipeline-model';

const node = (type: PipelineNode['type'], fields: Record<string, unknown>, outputs: Record<string, unknown> = {}): PipelineNode => ({
  type,
  inputs: {},
  outputs,
  fields,
});

describe('pipeline node wire shapes (as the SDK serialises nodes)', () => {
  it('a command node: distribution_type, identity_type, Command limits with an ISO timeout; other keys as written', () => {
    const body = nodeBody(
      node('command', {
        distribution: { type: 'pytorch', process_count_per_instance: 2 },
        identity: { type: 'user_identity' },
        limits: { timeout: 3000 },
        resources: { instance_count: 2, shm_size: '1g' },
      }),
      '/subscriptions/s/components/c/versions/1',
      { lr: 0.1, data: { type: 'uri_folder', path: 'azureml://datastores/workspaceblobstore/paths/d/' } },
    );
    assert.deepEqual(body, {
      distribution: { distribution_type: 'PyTorch', process_count_per_instance: 2 },
      identity: { identity_type: 'UserIdentity' },
      limits: { job_limits_type: 'Command', timeout: 'PT3000S' },
      resources: { instance_count: 2, shm_size: '1g' },
      type: 'command',
      componentId: '/subscriptions/s/components/c/versions/1',
      inputs: {
        lr: { job_input_type: 'literal', value: '0.1' },
        data: { job_input_type: 'uri_folder', uri: 'azureml://datastores/workspaceblobstore/paths/d/' },
      },
      outputs: {},
    });
  });

  it("a sweep node names its trial; its limits stay the sweep's; an output path is sent as uri", () => {
    const body = nodeBody(
      node(
        'sweep',
        { limits: { max_total_trials: 4, timeout: 7200 }, identity: { type: 'managed', client_id: 'c-1' } },
        { model: { type: 'mlflow_model', path: 'azureml://datastores/x/paths/m/', mode: 'upload' }, plain: null },
      ),
      'azureml://registries/r/components/t/versions/1',
      {},
    );
    assert.deepEqual(body.trial, { componentId: 'azureml://registries/r/components/t/versions/1' });
    assert.deepEqual(body.limits, { max_total_trials: 4, timeout: 7200 });
    assert.deepEqual(body.identity, { identity_type: 'Managed', client_id: 'c-1' });
    assert.deepEqual(body.outputs, {
      model: { job_output_type: 'mlflow_model', uri: 'azureml://datastores/x/paths/m/', mode: 'upload' },
      plain: { job_output_type: 'uri_folder' },
    });
  });
});
