/** The API module: the Fastify app the daemon serves, and the wire types the CLI shares. */
export { buildApi, API_VERSION } from './server.js';
export { statusOf, STATUS_OF } from './errors.js';
export type { ApiDeps, ImageApi } from './deps.js';
export type { RegistryApi, TransferOptions } from './routes/registry.js';
export type { StorageApi, BootstrapOptions } from './routes/storage.js';
export type { StackApi } from './routes/stacks.js';
export type * from './types.js';
