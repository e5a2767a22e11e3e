/**
 * Which side must act when rsync fails, and on what: an rsync result (exit code and stderr) read
 * against REFUSAL_TABLE (refusal-table.ts), and over ssh against ssh's own words first
 * (ssh-errors.ts). The one line it gives is what --check, the lane's error lines, /status and
 * the fail log's reason say. Pure.
 */
import type { Remote, RsyncConfig } from '../config/types.js';
import { succeeded } from './exit-codes.js';
import { REFUSAL_TABLE } from './refusal-table.js';
import type { RefusalContext, RefusalKind, RefusalRow, Side } from './refusal-types.js';
import { sshProblem } from './ssh-errors.js';

// lane/report.ts reads the context from here (src/lane/ is being rewritten on other branches).
export type { RefusalContext } from './refusal-types.js';

/** An rsync failure, read. */
export interface Refusal {
  /** The table row's id (`auth-failed`...), or `ssh-login` / `ssh-unreachable` from ssh's words. */
  readonly id: string;
  readonly kind: RefusalKind;
  readonly who: Side;
  /** rsync's (or the daemon's, or ssh's) own line, e.g. `@ERROR: auth failed on module www`. */
  readonly answer: string;
  /** The probable causes, most likely first, each naming its side. */
  readonly causes: readonly string[];
  /** answer, who must act, and the causes: one line. */
  readonly line: string;
}

/** What a row's advice may name, from the config. */
export function refusalContext(
  rsync: RsyncConfig,
  remote: Remote,
  extra: { readonly threads?: number; readonly configFile?: string } = {},
): RefusalContext {
  return {
    module: remote.module,
    host: remote.ip,
    user: rsync.auth?.user ?? null,
    passwordFile: rsync.auth?.passwordFile ?? null,
    port: rsync.port,
    ssh: rsync.ssh,
    ...extra,
  };
}

/**
 * The receiving daemon refused one of our options (`refuse options` in rsyncd.conf; its words:
 * "The server is configured to refuse --link-dest"). Not a refusal of the lane: the option is
 * an optimisation (a moved directory's seed), and the caller goes on without it.
 */
export function refusesOption(stderr: string, option: string): boolean {
  return stderr.split('\n').some((l) => l.includes(option) && /refuse/i.test(l));
}

/**
 * The receiver's rsync failed the run on a deleted path listed with --delete-missing-args (row
 * missing-args-rejected: its mode check, rsync issue #910). Not over ssh's own failures.
 */
export function rejectsMissingArgs(r: { readonly exitCode: number; readonly stderr: string }): boolean {
  return classifyRsyncFailure(r)?.id === 'missing-args-rejected';
}

/** rsync's own words about what went wrong: its first specific lines, not the generic summary. */
export function rsyncReason(stderr: string): string {
  const lines = stderr
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '');
  const specific = lines.filter((l) => !l.startsWith('rsync error:'));
  return (specific.length > 0 ? specific.slice(0, 2) : lines.slice(-1)).join(' / ');
}

function cleanLines(stderr: string): string[] {
  // `Password: ` is the prompt rsync prints (without a newline) when it asks for one.
  return stderr
    .split('\n')
    .map((l) => l.replace(/^Password: /, '').trim())
    .filter((l) => l !== '');
}

/** The causes as one line: `who must act: cause` (one cause), or `who must act; check, most likely first: (1) ...; (2) ...`. */
export function refusalLine(answer: string, who: Side, causes: readonly string[]): string {
  // One cause on the side that acts: its side is already said.
  const sides =
    causes.length === 1
      ? `: ${causes[0]!.startsWith(`${who}: `) ? causes[0]!.slice(who.length + 2) : causes[0]}`
      : `; check, most likely first: ${causes.map((c, i) => `(${i + 1}) ${c}`).join('; ')}`;
  return `${answer}: ${who} must act${sides}`;
}

/** The first row that matches one of the lines, with the line and the match. */
function matchRow(stderr: string): { row: RefusalRow; line: string; m: RegExpExecArray } | null {
  const lines = cleanLines(stderr);
  for (const row of REFUSAL_TABLE) {
    for (const line of lines) {
      const m = row.match.exec(line);
      if (m) return { row, line, m };
    }
  }
  return null;
}

/**
 * An rsync result read: null when it succeeded or nothing in its stderr is known (the caller
 * keeps the exit code's meaning then). Over ssh (`context.ssh`), ssh's own words come first.
 */
export function classifyRsyncFailure(
  result: { readonly exitCode: number; readonly stderr: string },
  context: RefusalContext = {},
): Refusal | null {
  if (succeeded(result)) return null;
  if (context.ssh) {
    const target = `${context.user ? `${context.user}@` : ''}${context.host ?? 'the remote'}`;
    const p = sshProblem(result.stderr, `ssh ${target} true`);
    if (p) {
      const who: Side = p.kind === 'config' ? 'this host or the receiving server' : 'the network';
      const answer = `ssh to ${p.who ?? context.host ?? 'the remote'} port ${context.port ?? 22}: ${p.message}`;
      return {
        id: p.kind === 'config' ? 'ssh-login' : 'ssh-unreachable',
        kind: p.kind === 'config' ? 'refused' : 'down',
        who,
        answer,
        causes: [p.advice],
        line: refusalLine(answer, who, [p.advice]),
      };
    }
  }
  const hit = matchRow(result.stderr);
  if (!hit) return null;
  const causes = hit.row.causes(context, hit.m);
  return {
    id: hit.row.id,
    kind: hit.row.kind,
    who: hit.row.who,
    answer: hit.line,
    causes,
    line: refusalLine(hit.line, hit.row.who, causes),
  };
}
