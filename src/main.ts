#!/usr/bin/env node
import './shared/heap-tuning.js';

// Loaded only now, after heap-tuning has set V8's flags: loading and compiling the agent's
// modules is its first burst of allocation.
const { runCli } = await import('./cli/run.js');

// The only place the process exits: everything else returns an exit code.
const code = await runCli(process.argv.slice(2), {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
});
process.exit(code);
