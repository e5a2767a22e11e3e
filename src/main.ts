#!/usr/bin/env node
import './shared/heap-tuning.js';

const argv = process.argv.slice(2);
// The watcher's thread starts, and scans, on the other core while this one loads the agent.
const early = await (await import('./cli/early-start.js')).startEarly(argv);

// Loaded only now, after heap-tuning has set V8's flags: loading and compiling the agent's
// modules is its first burst of allocation.
const { runCli } = await import('./cli/run.js');

// The only place the process exits: everything else returns an exit code.
const code = await runCli(
  argv,
  {
    out: (l) => process.stdout.write(`${l}\n`),
    err: (l) => process.stderr.write(`${l}\n`),
  },
  early ? { earlyConfig: early } : {},
);
process.exit(code);
