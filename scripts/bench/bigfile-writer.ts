/**
 * The bigfile workload's writer, in its own process so the bench's timers stay on time:
 * node bigfile-writer.js FILE MIB CHUNK_MIB EVERY_MS. Writes MIB MiB of random data in CHUNK_MIB
 * chunks, one every EVERY_MS (or as fast as the disk takes them), then closes the file.
 * Prints "open" once the file exists and "done MS" after the close.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';

const [file, mibArg, chunkArg, everyArg] = process.argv.slice(2);
const mib = Number(mibArg);
const chunk = Buffer.alloc(Number(chunkArg) * 1024 * 1024);
const every = Number(everyArg);
const fd = fs.openSync(file!, 'w');
const t0 = performance.now();
process.stdout.write('open\n');
const chunks = Math.ceil(mib / Number(chunkArg));
for (let i = 0; i < chunks; i++) {
  const due = t0 + i * every;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  crypto.randomFillSync(chunk);
  fs.writeSync(fd, chunk);
}
fs.closeSync(fd);
process.stdout.write(`done ${(performance.now() - t0).toFixed(0)}\n`);
