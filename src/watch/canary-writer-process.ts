import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

/**
 * How the canary writer runs: `bash` (the default wherever /bin/bash and /proc/uptime are) or
 * `node` (canary-writer.ts, for a machine without them).
 *
 * Why bash first: the node writer is a whole node process beside the agent: 150 ms of CPU to start
 * under the launcher's flags, at the moment the agent says ready and its first batch runs (two
 * cores shared), and 44 MB of RSS (8 MB of it its own). The bash loop below forks nothing while it
 * runs but `rm` once every 100 canaries: 10 ms to start, 3 MB (0.4 MB its own; docs/BENCHMARKS.md
 * round 27). The same CPU as the node writer once running.
 */
export type CanaryWriterKind = 'bash' | 'node';

const BASH = '/bin/bash';

/**
 * The bash writer, run as `bash -c SCRIPT sersync-ts-canary DIR INTERVAL_MS`. The same files as
 * canary-writer.ts: `c<slot>.<seq>`, one per clock slot, `seq` counting only files that exist,
 * the oldest removed beyond 300 (a batch window's worth).
 * - Its clock is /proc/uptime (read by a builtin, no fork): the time since boot in 10 ms steps,
 *   a suspended machine's time included, so a suspend shows as a stall, as a SIGSTOP does.
 * - It waits with `read -t` on its stdin, a pipe from the agent that never carries a byte: a
 *   timeout is the next slot, anything else (end of file) means the agent is gone, so it never
 *   outlives the agent, as the node writer's IPC channel does.
 */
const SCRIPT = `# sersync-ts canary writer (a file per clock slot in $1 every $2 ms; see canary-writer-process.ts)
dir=$1 interval=$2 keep=300 seq=0 last=-1 made=()
while :; do
  read -r up _ </proc/uptime || exit 3
  now=$((10#\${up/./} * 10))
  slot=$((now / interval))
  if ((slot != last)); then
    last=$slot
    if : >"$dir/c$slot.$seq"; then
      made+=("$dir/c$slot.$seq")
      seq=$((seq + 1))
      if ((\${#made[@]} >= keep + 100)); then
        rm -f -- "\${made[@]:0:100}"
        made=("\${made[@]:100}")
      fi
    fi
  fi
  left=$(((slot + 1) * interval - now))
  printf -v t '%d.%03d' $((left / 1000)) $((left % 1000))
  read -r -t "$t" _
  (($? > 128)) || exit 0
done
`;

let bashFound: boolean | undefined;

function defaultKind(): CanaryWriterKind {
  if (bashFound === undefined) {
    try {
      fs.accessSync(BASH, fs.constants.X_OK);
      fs.accessSync('/proc/uptime', fs.constants.R_OK); // its clock (hidden by ProcSubset=pid, say)
      bashFound = true;
    } catch {
      bashFound = false;
    }
  }
  return bashFound ? 'bash' : 'node';
}

/** A running canary writer. */
export interface CanaryWriterProcess {
  readonly child: ChildProcess;
  readonly kind: CanaryWriterKind;
  /** Ends the writer: its channel closed (it exits on its own) and a SIGTERM. */
  close(): void;
}

/** Starts a canary writer creating its files in `dir` every `intervalMs`. */
export function spawnCanaryWriter(
  dir: string,
  intervalMs: number,
  kind: CanaryWriterKind = defaultKind(),
): CanaryWriterProcess {
  if (kind === 'bash') {
    const child = spawn(BASH, ['-c', SCRIPT, 'sersync-ts-canary', dir, String(intervalMs)], {
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    // The writer may be gone already (killed by an operator, or at shutdown): its pipe then
    // errors on close, which is no news.
    child.stdin?.on('error', () => undefined);
    return {
      child,
      kind,
      close: () => {
        child.stdin?.end();
        child.kill();
      },
    };
  }
  // '../watch/': this module may run from dist/src/chunks/ (the bundle), which is as deep as watch/.
  const child = fork(new URL('../watch/canary-writer.js', import.meta.url), [dir, String(intervalMs)], {
    stdio: 'ignore',
  });
  return {
    child,
    kind,
    close: () => {
      if (child.connected) child.disconnect();
      child.kill();
    },
  };
}
