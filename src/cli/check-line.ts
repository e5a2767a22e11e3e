import { EXIT } from '../shared/errors.js';

/** One line of `--check`'s verdict. */
export interface CheckLine {
  readonly ok: boolean;
  readonly text: string;
  /** A failure that is the config's fault (exit 78) rather than the machine's (exit 1). */
  readonly config?: boolean;
  /** Not ok, but not a reason to fail either (an unreachable remote: the agent keeps retrying). */
  readonly warn?: boolean;
}

/** How a check line is printed. */
export function checkMark(c: CheckLine): string {
  return c.ok ? 'ok  ' : c.warn ? 'WARN' : 'FAIL';
}

/** The exit code of --check: 78 when the config is at fault, 1 for other failures, warnings pass. */
export function checkExit(checks: readonly CheckLine[]): number {
  if (checks.some((c) => !c.ok && !c.warn && c.config)) return EXIT.CONFIG;
  return checks.every((c) => c.ok || c.warn) ? EXIT.OK : EXIT.FAILURE;
}
