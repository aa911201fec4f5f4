'use strict';
// The process entry bin/pure runs, copied to dist/pure.cjs by scripts/bundle-cli.mjs. It loads the CLI bundle
// (dist/pure-cli.cjs) the way require() would, but hands V8 the code cache the build saved beside it
// (dist/pure-cli.cjs.cache), so a command deserializes the bundle's compiled functions instead of parsing
// 390 KB and compiling what it runs: ~4 ms of `pure ps`, ~9 ms of `pure --help` (Node 20 has no compile cache
// for user code; module.enableCompileCache is Node 22's). V8 checks the cache against the source, its own
// version and flags, and compiles as usual when it does not match.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');

const file = join(__dirname, 'pure-cli.cjs');

/** Run the bundle as a CommonJS module compiled with `cachedData`; its exports and the compiled script. */
function load(cachedData) {
  const source = readFileSync(file, 'utf8');
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: file, cachedData });
  const bundle = { exports: {} };
  script.runInThisContext().call(bundle.exports, bundle.exports, require, bundle, file, __dirname);
  return { exports: bundle.exports, script };
}

function savedCache() {
  try {
    return readFileSync(`${file}.cache`);
  } catch {
    return undefined; // not built yet, or removed: compile as usual
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  // `pure daemon` and `pure bench` import() ESM modules (dist/daemon, dist/bench), which code compiled through
  // node:vm cannot do on Node 20 (not without an experimental flag, and not at all once it comes from a code
  // cache): they load the bundle plainly, and so does any command with an argument spelled so (only slower).
  const cli = argv.includes('daemon') || argv.includes('bench') ? require(file) : load(savedCache()).exports;
  void cli.main(argv);
} else {
  module.exports = { load, file };
}
