// Moved to src/bench (it ships with `pure bench`); kept so bench/*.ts import as before.
export * from '../../src/bench/index.js';
