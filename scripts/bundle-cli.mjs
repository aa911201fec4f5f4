// Bundle the CLI (dist/cli/main.js and what it imports) into one file, dist/pure-cli.mjs: resolving and
// reading ~40 modules and their packages one by one costs ~25 ms of every `pure` invocation. The daemon is
// not bundled: `pure daemon` loads dist/daemon/main.js on demand.
import { writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/cli/main.js'],
  outfile: 'dist/pure-cli.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  logLevel: 'warning',
  // commander and ws are CommonJS: give the ESM bundle a require()
  banner: { js: "import { createRequire as __pureRequire } from 'node:module'; const require = __pureRequire(import.meta.url);" },
});

// the process entry bin/pure runs
await writeFile('dist/pure.mjs', "import { main } from './pure-cli.mjs';\n\nawait main(process.argv.slice(2));\n");
