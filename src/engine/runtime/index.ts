/**
 * The runtime module: the OCI runtime driver (runc, crun) and conmon, the per-container monitor.
 * See runtime-driver.ts for the lifecycle vocabulary and conmon.ts for how a container is created.
 */
export type {
  RuntimeDriver,
  RuntimeState,
  ContainerStatus,
  ExecProcess,
  ExecOptions,
  RuntimeVersion,
} from './runtime-driver.js';
export { RuncDriver, CrunDriver, signalName, type RuncDriverOptions } from './runc-driver.js';
export { detectRuntimes, cgroupLayout, type DetectedRuntime, type DetectOptions, type CgroupLayout } from './detect.js';
export { runtimeMessage } from './runtime-message.js';
export { Conmon, CONMON, type ConmonCreateOptions, type ConmonCreated, type ConmonOptions } from './conmon.js';
export { readExitFile, watchExits, type ExitWatcher } from './exit-files.js';
export { parseLogLine, mergePartials, readLog, execFailureOf, type LogEntry, type LogStream } from './k8s-log.js';
export { openStdin, resize, SOCAT, type StdinAttachment } from './attach.js';
export * from './spec/index.js';
