/** The stack module's public entry: the project contract, the compose loader and (beside it) the orchestrator. */
export * from './types.js';
export { loadProject, serviceOrder, toCreateRequest, networkAttachments, renderConfig, configHash, type LoadOptions, type NetworkAttachment } from './compose/index.js';
export { StackService, type StackServiceOptions, type Reporter, type UpOptions, type DownOptions, type ActionOptions } from './service.js';
export { planUp, containerName, type StackPlan, type ContainerStep, type PlanOptions } from './plan.js';
export type { StackEngine, StackLoader, EventSource, ContainerPort, NetworkPort, VolumePort } from './ports.js';
