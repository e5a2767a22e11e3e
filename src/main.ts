#!/usr/bin/env node
import { runCli } from './cli/run.js';

// The only place the process exits: everything else returns an exit code.
const code = await runCli(process.argv.slice(2), {
  out: (l) => process.stdout.write(`${l}\n`),
  err: (l) => process.stderr.write(`${l}\n`),
});
process.exit(code);
