/** The stack module's public entry: the project contract, the compose loader and (beside it) the orchestrator. */
export * from './types.js';
// the compose loader (yaml, zod) is imported by the first project load: compose-loader.ts
export { loadProject, composeLoader } from './compose-loader.js';
export type { LoadOptions, NetworkAttachment } from './compose/index.js';
export { StackService, type StackServiceOptions, type Reporter, type UpOptions, type DownOptions, type ActionOptions } from './service.js';
export { planUp, containerName, type StackPlan, type ContainerStep, type PlanOptions } from './plan.js';
export type { StackEngine, StackLoader, EventSource, ContainerPort, NetworkPort, VolumePort } from './ports.js';
