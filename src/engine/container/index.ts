/**
 * The container module: lifecycle, records and intents, logs, recovery after a crash.
 * See service.ts for the flow of each action and recovery.ts for what a restart of the daemon repairs.
 */
export { ContainerService, type ContainerServiceOptions } from './service.js';
export { recoverContainers, type RecoveryReport } from './recovery.js';
export { parseRestartPolicy, shouldRestart, restartDelayMs } from './restart-policy.js';
export { parseLogLine, readLog } from './logs.js';
export { mergeEnv } from './config.js';
export type { ContainerRecord } from './record.js';
export type * from './ports.js';
