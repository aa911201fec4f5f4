/** The stack module's public entry: the project contract, the compose loader and (beside it) the orchestrator. */
export * from './types.js';
export { loadProject, serviceOrder, toCreateRequest, networkAttachments, renderConfig, configHash, type LoadOptions, type NetworkAttachment } from './compose/index.js';
