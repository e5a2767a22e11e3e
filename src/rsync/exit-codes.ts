/**
 * rsync's exit codes, decided in one table (after lsyncd's `rsyncExitCodes`, with our choices;
 * see architecture.md §2):
 * - ok:     the batch is done. 24 ("some files vanished") is ok because a vanished path has an
 *           event of its own and will be listed again in its current state.
 * - retry:  transient trouble (network, daemon, partial transfer): keep the paths, back off, retry.
 *           23 (partial transfer) is retried, never taken as success (sersync's and lsyncd's bug).
 * - config: a usage/protocol problem a human must fix; logged at error level, retried with the
 *           usual backoff, then fail-logged; the agent keeps running (one remote's trouble never
 *           stops the others).
 */
import type { RsyncResult } from './runner.js';

export type ExitClass = 'ok' | 'retry' | 'config';

interface ExitCodeInfo {
  readonly cls: ExitClass;
  readonly meaning: string;
}

const TABLE: Readonly<Record<number, ExitCodeInfo>> = {
  0: { cls: 'ok', meaning: 'success' },
  1: { cls: 'config', meaning: 'syntax or usage error' },
  2: { cls: 'config', meaning: 'protocol incompatibility' },
  3: { cls: 'retry', meaning: 'errors selecting input/output files, dirs' },
  4: { cls: 'config', meaning: 'requested action not supported (is the receiver rsync >= 3.1?)' },
  5: { cls: 'retry', meaning: 'error starting client-server protocol (unknown module, auth failed, daemon refused)' },
  6: { cls: 'retry', meaning: 'daemon unable to append to log-file' },
  10: { cls: 'retry', meaning: 'error in socket I/O (remote down or unreachable)' },
  11: { cls: 'retry', meaning: 'error in file I/O' },
  12: { cls: 'retry', meaning: 'error in rsync protocol data stream' },
  13: { cls: 'retry', meaning: 'errors with program diagnostics' },
  14: { cls: 'retry', meaning: 'error in IPC code' },
  20: { cls: 'retry', meaning: 'received SIGUSR1 or SIGINT' },
  21: { cls: 'retry', meaning: 'some error returned by waitpid()' },
  22: { cls: 'retry', meaning: 'error allocating core memory buffers' },
  23: { cls: 'retry', meaning: 'partial transfer due to error' },
  24: { cls: 'ok', meaning: 'partial transfer due to vanished source files' },
  25: { cls: 'config', meaning: 'the --max-delete limit stopped deletions' },
  30: { cls: 'retry', meaning: 'timeout in data send/receive' },
  35: { cls: 'retry', meaning: 'timeout waiting for daemon connection' },
  255: { cls: 'retry', meaning: 'ssh or unexplained error' },
};

/** Any code not in the table (a crash, a signal, rsync missing) is retried: never fatal to the agent. */
export function classifyExit(code: number): ExitCodeInfo {
  return TABLE[code] ?? { cls: 'retry', meaning: `unexpected exit code ${code}` };
}

export const EXIT_CODE_TABLE = TABLE;

/** Did an rsync run do its job: it started, and its exit code is an 'ok' one (0, or 24). */
export function succeeded(r: Pick<RsyncResult, 'exitCode'> & Partial<Pick<RsyncResult, 'spawnError'>>): boolean {
  return (r.spawnError ?? null) === null && classifyExit(r.exitCode).cls === 'ok';
}
