/**
 * The keys of the CLI v2 YAML schemas this product reads (azuremlschemas.azureedge.net/latest: pipelineJob,
 * commandComponent, parallelComponent, sparkComponent, sweepJob, the automl job schemas, environment). `az ml`
 * refuses a key outside its schema everywhere except under `settings`, where it warns; so does this reader.
 */
const ASSET = ['$schema', 'type', 'name', 'version', 'display_name', 'description', 'tags', 'properties'];
const PORTS = ['inputs', 'outputs'];
/** A parallel job's own settings, in its component or on its node. */
const PARALLEL_SETTINGS = [
  'resources',
  'logging_level',
  'mini_batch_size',
  'mini_batch_error_threshold',
  'error_threshold',
  'retry_settings',
  'max_concurrency_per_instance',
  'input_data',
  'task',
  'partition_keys',
];

export const COMPONENT_PORT_KEYS = ['type', 'default', 'optional', 'description', 'min', 'max', 'enum', 'mode', 'path', 'is_control', 'datastore'];
export const BINDING_KEYS = ['type', 'path', 'mode', 'value', 'optional', 'description', 'datastore', 'name', 'version', 'path_on_compute'];

/** Keys a component file of each type may carry; `code` and `environment` are read, the rest passed through. */
export const COMPONENT_KEYS = {
  command: [...ASSET, ...PORTS, 'is_deterministic', 'code', 'environment', 'command', 'distribution', 'resources', 'environment_variables', 'instance_count'],
  parallel: [...ASSET, ...PORTS, 'is_deterministic', ...PARALLEL_SETTINGS],
  spark: [
    ...ASSET,
    ...PORTS,
    'is_deterministic',
    'code',
    'environment',
    'entry',
    'py_files',
    'jars',
    'files',
    'archives',
    'conf',
    'args',
    'driver_cores',
    'driver_memory',
    'executor_cores',
    'executor_memory',
    'executor_instances',
    'dynamic_allocation_enabled',
    'dynamic_allocation_min_executors',
    'dynamic_allocation_max_executors',
  ],
};

export const PARALLEL_TASK_KEYS = ['type', 'code', 'entry_script', 'program_arguments', 'environment', 'append_row_to'];

/** What a job in a pipeline may carry beyond its component's keys (node-level settings and bindings). */
const NODE_COMMON = ['type', 'component', 'name', 'display_name', 'description', 'tags', 'properties', 'experiment_name', 'compute', ...PORTS];
export const NODE_KEYS = {
  command: [...NODE_COMMON, 'resources', 'distribution', 'limits', 'environment_variables', 'services', 'identity', 'queue_settings'],
  pipeline: [...NODE_COMMON, 'settings'],
  parallel: [...NODE_COMMON, ...PARALLEL_SETTINGS, 'environment_variables', 'identity'],
  sweep: [
    ...NODE_COMMON.filter((k) => k !== 'component'),
    'trial',
    'sampling_algorithm',
    'search_space',
    'objective',
    'limits',
    'early_termination',
    'resources',
    'queue_settings',
    'identity',
  ],
  spark: [...NODE_COMMON, 'resources', 'identity', 'conf', 'args', 'entry', 'code', 'environment', 'py_files', 'jars', 'files', 'archives'],
  automl: [
    ...NODE_COMMON.filter((k) => k !== 'component'),
    'task',
    'log_verbosity',
    'primary_metric',
    'target_column_name',
    'training_data',
    'validation_data',
    'test_data',
    'validation_data_size',
    'test_data_size',
    'n_cross_validations',
    'cv_split_column_names',
    'weight_column_name',
    'positive_label',
    'limits',
    'training',
    'featurization',
    'forecasting',
    'sweep',
    'search_space',
    'image_model',
    'queue_settings',
    'identity',
    'resources',
  ],
};

/** Keys a job's own definition uses that the node keeps out of the componentSpec it registers. */
export const NODE_ONLY = ['compute', 'experiment_name', 'identity', 'services', 'queue_settings', 'limits', 'component'];

export const PIPELINE_KEYS = [...ASSET, 'experiment_name', 'settings', ...PORTS, 'jobs', 'compute', 'identity'];
export const SETTINGS_KEYS = [
  'default_compute',
  'default_datastore',
  'continue_on_step_failure',
  'force_rerun',
  'default_environment',
  'on_init',
  'on_finalize',
];

export const SAMPLING = ['random', 'grid', 'bayesian'];
export const SEARCH_SPACE_TYPES = ['choice', 'randint', 'uniform', 'quniform', 'loguniform', 'qloguniform', 'normal', 'qnormal', 'lognormal', 'qlognormal'];
export const EARLY_TERMINATION = ['bandit', 'median_stopping', 'truncation_selection'];
