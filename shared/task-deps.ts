import { createArmClients, type ArmClients } from './azure/arm-client';
import type { ArmConnection } from './azure/connection';
import { systemClock, type Clock } from './clock';
import type { Platform } from './platform/platform';

/** What every task's `run(params, deps)` gets injected: the platform, time, and Azure clients. */
export interface TaskDeps<O extends string = string> {
  platform: Platform<O>;
  clock: Clock;
  arm(connection: ArmConnection): ArmClients;
}

export function defaultDeps(platform: Platform): TaskDeps {
  return {
    platform,
    clock: systemClock,
    arm: (connection) => createArmClients(connection, { clock: systemClock, log: (m) => platform.info(m), secret: (v) => platform.setSecret(v) }),
  };
}
