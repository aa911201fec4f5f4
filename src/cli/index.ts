/** The `pure` command-line client: bin/pure runs `main`; tests and tools may drive `runCli` in-process. */
export { main, runCli, type CliIo } from './main.js';
export { ApiClient, DEFAULT_SOCKET } from './client.js';
export { parseRunOptions, type RunFlags, type ClientEnvironment } from './run-options.js';
