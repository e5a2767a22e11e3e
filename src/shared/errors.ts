/** Named exit codes (sysexits.h), so every path out of the program says what kind of failure it was. */
export const EXIT = {
  OK: 0,
  FAILURE: 1,
  /** EX_USAGE: bad command line. */
  USAGE: 64,
  /** EX_CONFIG: the configuration is wrong; restarting will not help (systemd RestartPreventExitStatus). */
  CONFIG: 78,
} as const;

/** An error that ends the program with a specific exit code and already-readable lines. */
export class ExitError extends Error {
  constructor(
    readonly lines: readonly string[],
    readonly exitCode: number,
  ) {
    super(lines.join('\n'));
    this.name = 'ExitError';
  }
}
