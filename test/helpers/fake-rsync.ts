import fs from 'node:fs';
import path from 'node:path';

export interface FakeRsync {
  /** Set as SERSYNC_RSYNC. */
  readonly bin: string;
  /** Lets every hanging run finish (exit 0). */
  release(): void;
}

/**
 * A fake rsync binary for exit-code and timing paths (SERSYNC_RSYNC, see src/rsync/runner.ts).
 * `probe` (runs with --list-only) and `run` (everything else): `ok` exits 0 at once, `hang` waits
 * until release() and then exits 0 (no process is left behind once released). `version` is what
 * `--version` prints.
 */
export function fakeRsync(
  dir: string,
  opts: { probe?: 'ok' | 'hang'; run?: 'ok' | 'hang'; version?: string } = {},
): FakeRsync {
  const bin = path.join(dir, 'fake-rsync');
  const release = path.join(dir, 'fake-rsync-release');
  // Also ends once `dir` is gone: a test that failed before release() leaves no loop behind.
  const hang = `while [ ! -e ${JSON.stringify(release)} ] && [ -d ${JSON.stringify(dir)} ]; do sleep 0.1; done; exit 0`;
  const act = (mode: 'ok' | 'hang' | undefined): string => (mode === 'hang' ? hang : 'exit 0');
  fs.writeFileSync(
    bin,
    `#!/bin/sh
for a in "$@"; do
  case "$a" in
    --version) echo "rsync  version ${opts.version ?? '3.2.7'}  protocol version 31"; exit 0 ;;
    --list-only) ${act(opts.probe)} ;;
  esac
done
cat >/dev/null
${act(opts.run)}
`,
    { mode: 0o755 },
  );
  return { bin, release: () => fs.writeFileSync(release, '') };
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
