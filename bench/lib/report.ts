// Moved to src/bench (it ships with `pure bench`); kept so bench/*.ts and their tests import as before.
export * from '../../src/bench/index.js';
