// Bundle the CLI (dist/cli/main.js and what it imports) into one CommonJS file, dist/pure.cjs, the process
// entry bin/pure runs. Measured on Node 20 (`pure ps`, medians): one file instead of ~40 modules saves ~25 ms;
// CommonJS instead of ESM another ~15 ms, for two reasons: Node's ESM loader costs several ms to start and
// per module, and in a CommonJS bundle the modules main.ts imports lazily (each command module, attach.ts
// with ws) are initialised — and their `node:` built-ins required — only when first imported, where an ESM
// bundle hoists every built-in import to its top. (ESM code splitting was tried: `pure ps` gained less, and
// `pure --help`, which loads every chunk, lost 20 ms.)
// The daemon is not bundled: `pure daemon` imports dist/daemon/main.js (ESM) on demand.
import { rm } from 'node:fs/promises';
import { build } from 'esbuild';

// outputs of earlier builds
await rm('dist/pure.mjs', { force: true });
await rm('dist/pure-cli.mjs', { force: true });

/**
 * commander requires node:child_process at load, only to spawn executable subcommands, which Pure does not
 * have: give it a stand-in that requires the real module on first use (child_process and dgram cost ~4 ms).
 */
const lazyChildProcess = {
  name: 'lazy-child-process',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'child_process', namespace: 'lazy-builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, () => ({
      contents: "module.exports = { spawn: (...args) => require('node:child_process').spawn(...args) };",
      loader: 'js',
    }));
  },
};

await build({
  stdin: {
    contents: "import { main } from './dist/cli/main.js';\n\nvoid main(process.argv.slice(2));\n",
    resolveDir: '.',
    sourcefile: 'pure-entry.js',
  },
  outfile: 'dist/pure.cjs',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  logLevel: 'warning',
  plugins: [lazyChildProcess],
  // the CLI finds the daemon and bench modules beside itself (new URL('./daemon/main.js', import.meta.url))
  define: { 'import.meta.url': '__pureModuleUrl' },
  banner: { js: "const __pureModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
});
