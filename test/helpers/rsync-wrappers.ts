import fs from 'node:fs';
import path from 'node:path';

export interface HeldRsync {
  /** Set as SERSYNC_RSYNC. */
  readonly bin: string;
  /** Lets every held run go on to the real rsync. */
  release(): void;
}

/**
 * The real rsync behind a wrapper (SERSYNC_RSYNC, see src/rsync/runner.ts) that can hold runs
 * back, for the paths that depend on a slow or hung rsync. `probe` (runs with --list-only) and
 * `run` (everything else): `hold` waits until release() and then execs the real rsync with the
 * same arguments and stdin, so what it does is still a real transfer to a real daemon (the test
 * checks the remote's content); `go` execs it at once. `version` replaces what `--version` prints:
 * the one thing here that is not rsync's own, for the version check of an rsync not installable
 * on this machine.
 */
export function heldRsync(
  dir: string,
  opts: { probe?: 'go' | 'hold'; run?: 'go' | 'hold'; version?: string } = {},
): HeldRsync {
  const bin = path.join(dir, 'held-rsync');
  const release = path.join(dir, 'held-rsync-release');
  const real = realRsync();
  // Also ends once `dir` is gone: a test that failed before release() leaves no loop behind.
  const hold = `while [ ! -e ${shq(release)} ] && [ -d ${shq(dir)} ]; do sleep 0.1; done`;
  const act = (mode: 'go' | 'hold' | undefined): string => (mode === 'hold' ? hold : ':');
  const version = opts.version
    ? `--version) echo "rsync  version ${opts.version}  protocol version 31"; exit 0 ;;`
    : '';
  fs.writeFileSync(
    bin,
    `#!/bin/sh
probe=
for a in "$@"; do
  case "$a" in
    ${version}
    --list-only) probe=1 ;;
  esac
done
if [ -n "$probe" ]; then ${act(opts.probe)}; else ${act(opts.run)}; fi
exec ${shq(real)} "$@"
`,
    { mode: 0o755 },
  );
  return { bin, release: () => fs.writeFileSync(release, '') };
}

/** A path single-quoted for sh. */
const shq = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The rsync on PATH, by its full path (the wrapper must not find itself). */
function realRsync(): string {
  for (const d of (process.env['PATH'] ?? '').split(':')) {
    const p = path.join(d, 'rsync');
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      continue;
    }
  }
  throw new Error('rsync is not on PATH');
}

export interface CountingRsync {
  /** Set as SERSYNC_RSYNC. */
  readonly bin: string;
  /** The agent's rsync runs so far (its --list-only probes not counted). */
  runs(): number;
  /** Runs started and not yet ended: a run's batch line is written only after it ends. */
  inFlight(): number;
  /** Each run's arguments, space-joined, in the order they started. */
  argvs(): string[];
}

/**
 * The real rsync behind a wrapper (SERSYNC_RSYNC) that counts every run but the --list-only
 * probes, and notes when a run ends (so not `exec`: a signal to the wrapper does not reach its
 * rsync, which these tests never send).
 */
export function countingRsync(dir: string): CountingRsync {
  const log = path.join(dir, 'rsync-runs');
  const argvLog = path.join(dir, 'rsync-argvs');
  const bin = path.join(dir, 'counting-rsync');
  fs.writeFileSync(
    bin,
    `#!/bin/sh\ncase " $* " in *" --list-only "*) exec rsync "$@";; esac\n` +
      `echo run >> '${log}'\nprintf '%s\\n' "$*" >> '${argvLog}'\nrsync "$@"\ns=$?\necho end >> '${log}'\nexit $s\n`,
    { mode: 0o755 },
  );
  /** [runs started, runs ended] from one read of the log. */
  const counts = (): [number, number] => {
    const lines = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').split('\n') : [];
    return [lines.filter((l) => l === 'run').length, lines.filter((l) => l === 'end').length];
  };
  return {
    bin,
    runs: () => counts()[0],
    inFlight: () => {
      const [started, ended] = counts();
      return started - ended;
    },
    argvs: () => (fs.existsSync(argvLog) ? fs.readFileSync(argvLog, 'utf8').split('\n').slice(0, -1) : []),
  };
}
