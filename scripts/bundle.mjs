#!/usr/bin/env node
// Bundles the agent's two entry points, as tsc compiled them, into a few files: DIR/src/main.js
// and DIR/src/watch/dirwatch-worker.js are rewritten in place, the code they share goes to
// DIR/src/chunks/. Every other file tsc wrote stays (the unit tests import them; the canary
// writer, a separate process, still runs from them).
//
// Why: node under --jitless took 120-170 ms to load the agent's 400 modules one by one on an idle
// machine, and 450 ms at a start, beside the watcher's first scan on the other core (issue 21,
// docs/BENCHMARKS.md round 26). Each chunk loaded by a dynamic import() stays one, so the watcher's
// thread still starts before the agent loads (main.ts).
//
// Paths code finds through import.meta.url keep working because chunks/ is as deep as the
// directories they came from (../main.js, ../watch/..., ../../../package.json). The npm
// dependencies are bundled too; node_modules still ships (a build without this step runs).
// Whitespace and comments are left out (see minifyWhitespace below); names are kept.
//
// Usage: node scripts/bundle.mjs [DIR]   (DIR: tsc's outDir, default dist). Run after tsc, always:
// it refuses a main.js it bundled already.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as esbuild from 'esbuild-wasm';

const MARK = '// sersync-ts bundle (scripts/bundle.mjs)';
const out = path.resolve(process.argv[2] ?? 'dist', 'src');
const entries = ['main.js', 'watch/dirwatch-worker.js'].map((e) => path.join(out, e));

for (const e of entries) {
  const text = fs.existsSync(e) ? fs.readFileSync(e, 'utf8') : null;
  if (text === null) fail(`${e} does not exist: compile first (tsc -p tsconfig.json)`);
  if (text.includes(MARK)) fail(`${e} is bundled already: compile again first (tsc rewrites it)`);
}
fs.rmSync(path.join(out, 'chunks'), { recursive: true, force: true });

await esbuild.build({
  entryPoints: entries,
  outdir: out,
  outbase: out,
  entryNames: '[dir]/[name]',
  chunkNames: 'chunks/[name]-[hash]',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // No keepNames: it wraps every closure in a __name() call, made each time the closure is
  // created, which cost the bench's burst-delete 40 ms and a third more CPU under --jitless.
  // Whitespace and comments out (names kept, so a stack trace still names its functions; lines
  // kept short, so its line:column still points somewhere readable). V8 keeps each module's source
  // in the heap for as long as the agent runs, and one character beyond Latin-1 in a comment (a
  // dependency's dash, our arrows) made a whole chunk a two-byte string: 1.7 MB of the main
  // thread's heap were sources before, 0.9 MB on disk after (docs/BENCHMARKS.md, round 27).
  minifyWhitespace: true,
  lineLimit: 160,
  // The checkout's dependencies, wherever DIR is: the packages compile into a temporary
  // directory (scripts/package/stage.sh), above which there is no node_modules.
  nodePaths: [fileURLToPath(new URL('../node_modules', import.meta.url))],
  allowOverwrite: true,
  logLevel: 'warning',
  // Bundled CommonJS modules (cross-spawn, under execa) call require() for node's own modules.
  banner: {
    js: `${MARK}\nimport { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);`,
  },
});

// tsc's source maps of the two files describe what they were, not the bundle (a dev build has them).
for (const e of entries) fs.rmSync(`${e}.map`, { force: true });

// esbuild writes strings with \u escapes (charset ascii) and drops comments (minifyWhitespace);
// a character beyond Latin-1 left anyway would double that file's source in the heap.
for (const file of [...entries, ...fs.readdirSync(path.join(out, 'chunks')).map((c) => path.join(out, 'chunks', c))]) {
  const at = fs.readFileSync(file, 'utf8').search(/[\u0100-\uffff]/);
  if (at >= 0)
    fail(`${file}: a character beyond Latin-1 at offset ${at}: V8 would keep this source as a two-byte string`);
}

function fail(message) {
  process.stderr.write(`bundle: ${message}\n`);
  process.exit(1);
}
