/**
 * The watchers workload's burst, from a process of its own (as an upload would be):
 * node burst-writer.js ROOT LAYOUT_JSON COUNT TAG. Creates COUNT files (open, write 11 bytes,
 * close) as fast as it can, round-robin over the leaf directories, named TAG-N.
 */
import fs from 'node:fs';
import path from 'node:path';
import { leafOf, type Layout } from './bigtree.js';

const [root, layoutJson, countArg, tag] = process.argv.slice(2);
const layout = JSON.parse(layoutJson!) as Layout;
const t0 = performance.now();
for (let i = 0; i < Number(countArg); i++)
  fs.writeFileSync(path.join(root!, leafOf(layout, i), `${tag}-${i}`), 'hello world');
process.stdout.write(`${(performance.now() - t0).toFixed(0)}\n`);
