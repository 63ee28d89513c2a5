import { amlRegistries } from './resources/aml-registries';
import { assets } from './resources/assets';
import { batchEndpoints } from './resources/batch-endpoints';
import { blobStorage } from './resources/blob-storage';
import { containerGroups } from './resources/container-groups';
import { containerRegistries } from './resources/container-registries';
import { control } from './resources/control';
import { entra } from './resources/entra';
import type { ResourceFamily } from './resources/family';
import { jobs } from './resources/jobs';
import { mlflow } from './resources/mlflow';
import { modelPackages } from './resources/model-package';
import { models } from './resources/models';
import { onlineDeployments } from './resources/online-deployments';
import { onlineEndpoints } from './resources/online-endpoints';
import { operations } from './resources/operations';
import { runHistory } from './resources/run-history';
import { workspaces } from './resources/workspaces';

/**
 * Every resource family the emulator serves, in routing order (the first route that matches answers). A new
 * family is one file under resources/ and one line here.
 */
export const FAMILIES: ResourceFamily[] = [
  control,
  blobStorage,
  entra,
  onlineEndpoints,
  mlflow,
  runHistory,
  workspaces,
  operations,
  containerGroups,
  containerRegistries,
  assets,
  models,
  modelPackages,
  onlineDeployments,
  amlRegistries,
  batchEndpoints,
  jobs,
];
