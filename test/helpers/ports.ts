/**
 * Ports for the servers tests start (rsync daemons, sshd, the agent's status server). The
 * integration suite runs in parallel processes (.ci/run's shards): a port the kernel hands out
 * for `listen(0)` and that is then closed can be handed to another shard, or taken by an outgoing
 * connection, before the test's server binds it; CI once saw the agent's status port answered by
 * another test's server ("Parse Error: Expected HTTP/"). So a port comes from below the kernel's
 * ephemeral range (never used for outgoing connections) and is claimed across processes with an
 * exclusive lock file; a claim older than an hour (a run long over) may be taken again. A process
 * removes its claims when it exits (its servers are stopped by then; one that leaked is found by
 * the bind check).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

const LOW = 20_000;
const CLAIM_DIR = path.join(os.tmpdir(), `sersync-test-ports-${process.getuid?.() ?? 0}`);
const STALE_MS = 3_600_000;
/** This process's claim files, removed at exit so that the directory does not grow run by run. */
const mine: string[] = [];
process.once('exit', () => {
  for (const f of mine) fs.rmSync(f, { force: true });
});

/** The first port of the kernel's ephemeral range (outgoing connections take ports from there). */
function ephemeralLow(): number {
  try {
    return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
  } catch {
    return 32_768;
  }
}

/** Claims `port` for this process: false when another claim of the last hour holds it. */
function claim(port: number): boolean {
  const file = path.join(CLAIM_DIR, String(port));
  try {
    fs.closeSync(fs.openSync(file, 'wx'));
    mine.push(file);
    return true;
  } catch {
    const age = Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0);
    if (age < STALE_MS) return false;
    // Renamed, not removed: of two processes reclaiming it at once, one rename succeeds.
    try {
      const stale = `${file}.stale-${process.pid}-${Date.now()}`;
      fs.renameSync(file, stale);
      fs.rmSync(stale, { force: true });
      fs.closeSync(fs.openSync(file, 'wx'));
      mine.push(file);
      return true;
    } catch {
      return false;
    }
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A port on 127.0.0.1 that nothing listens on now and that no other test process will be given. */
export async function freePort(): Promise<number> {
  fs.mkdirSync(CLAIM_DIR, { recursive: true, mode: 0o700 });
  const high = Math.max(LOW + 1000, ephemeralLow());
  for (let tries = 0; tries < 1000; tries++) {
    const port = LOW + Math.floor(Math.random() * (high - LOW));
    if (claim(port) && (await bindable(port))) return port;
  }
  throw new Error(`no free port claimed in ${LOW}-${high - 1} (claims in ${CLAIM_DIR})`);
}
