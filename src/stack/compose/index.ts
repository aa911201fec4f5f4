/**
 * The compose loader: a compose file (or several, merged) → a StackProject, and the few functions the
 * orchestrator needs on a project. See docs/stacks.md "The compose file" for what is supported.
 */
export { loadProject, type LoadOptions } from './load.js';
export { serviceOrder } from './order.js';
export { toCreateRequest, networkAttachments, type NetworkAttachment } from './create-request.js';
export { renderConfig } from './render.js';
export { configHash } from './config-hash.js';
