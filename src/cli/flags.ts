import path from 'node:path';
import type { RunOptions } from './run-options.js';

/** The command words that have flags of their own. */
export type FlagCommand = 'verify' | 'release-deletes' | 'versions' | 'restore';
/** Every command word (commands.ts says how each is parsed and what it does). */
export type CommandName = FlagCommand | 'status' | 'receiver';
/** A line of the usage text's synopsis: the run itself (no command word), or a command's. */
export type UsageLine = 'run' | CommandName;

/**
 * One command-line flag: the one table the parsers, the usage text and the argv that `-d` rebuilds
 * for its supervisor and workers are all made from, so they cannot drift apart.
 */
export interface Flag {
  /** The long name, without `--`. */
  readonly name: string;
  readonly short?: string;
  /** The value's name in the usage text (`FILE`); absent: a boolean flag. */
  readonly value?: string;
  /** The usage text's description; `\n` starts an indented continuation line. Absent: internal. */
  readonly help?: string;
  /** Only with these commands (the usage lists it under the first). Absent: a flag of the run. */
  readonly commands?: readonly FlagCommand[];
  /**
   * The synopsis lines that name this flag of the run (a command's own flags are always named in
   * its line). Commands that take only their own flags (versions, restore) take exactly what their
   * line names: that is how they share `-o` with the run.
   */
  readonly namedIn?: readonly UsageLine[];
  /** Required with its commands: what a value looks like, for the message when it is missing. */
  readonly required?: string;
  /** The RunOptions field it sets: such flags are rebuilt for `-d` unless `rebuild` is false. */
  readonly option?: keyof RunOptions;
  /** The field's value when the flag is absent. */
  readonly fallback?: RunOptions[keyof RunOptions];
  /** The raw value → the field's value, or the message saying what is wrong (identity when absent). */
  readonly read?: (raw: string, label: string) => RunOptions[keyof RunOptions] | { readonly error: string };
  /** A path: made absolute when rebuilt (the supervisor and its workers run in `/`). */
  readonly isPath?: boolean;
  /** false: never rebuilt (-d itself, --check, the internal --role). */
  readonly rebuild?: false;
}

/** A whole number >= `min` (0 allowed where `min` is 0), or the message saying what is wrong. */
function intAtLeast(min: number): NonNullable<Flag['read']> {
  return (raw, label) =>
    /^\d+$/.test(raw) && Number(raw) >= min
      ? Number(raw)
      : { error: `${label}: expected an integer >= ${min}, got "${raw}"` };
}

const oneOf =
  (words: readonly string[], said: string): NonNullable<Flag['read']> =>
  (raw, label) =>
    words.includes(raw) ? raw : { error: `${label}: expected ${said}, got "${raw}"` };

/** In the usage text's order. */
export const FLAGS: readonly Flag[] = [
  {
    name: 'config',
    short: 'o',
    value: 'FILE',
    help: 'config file (default: ./confxml.xml)',
    namedIn: ['run', 'status', 'verify', 'release-deletes', 'versions', 'restore'],
    option: 'configFile',
    fallback: './confxml.xml',
    read: (raw, label) => (raw === '' ? { error: `${label}: the config file name is empty` } : raw),
    isPath: true,
  },
  {
    name: 'initial-sync',
    short: 'r',
    help: 'push every watched tree to every remote once, after the watches are up',
    namedIn: ['run'],
    option: 'initialSync',
    fallback: false,
  },
  {
    name: 'threads',
    short: 'n',
    value: 'N',
    help: 'at most N rsync processes at once, split evenly by remote host, one each at least (default: 10)',
    namedIn: ['run', 'verify'],
    option: 'threads',
    fallback: 10,
    read: intAtLeast(1),
  },
  {
    name: 'daemon',
    short: 'd',
    help: 'validate, then detach: a supervisor restarts the agent if it crashes or hangs',
    namedIn: ['run'],
    option: 'daemon',
    fallback: false,
    rebuild: false,
  },
  {
    name: 'pid-file',
    value: 'FILE',
    help: 'with -d (default: /run/sersync-ts.pid as root, else <state dir>/sersync-ts.pid)',
    option: 'pidFile',
    fallback: null,
    isPath: true,
  },
  {
    name: 'log-file',
    value: 'FILE',
    help: 'log to FILE (reopened on SIGHUP); with -d the default is <state dir>/sersync-ts.log',
    option: 'logFile',
    fallback: null,
    isPath: true,
  },
  {
    name: 'plugin',
    short: 'm',
    value: 'NAME',
    help: 'run one plugin alone (refreshCDN, command, socket, http), without rsync',
    namedIn: ['run'],
    option: 'plugin',
    fallback: null,
  },
  {
    name: 'check',
    help: 'validate the config, print what would run, and exit (0 ok, 78 bad config)',
    namedIn: ['run'],
    option: 'check',
    fallback: false,
    rebuild: false,
  },
  { name: 'debug', help: "log every rsync command line and every batch's paths", option: 'debug', fallback: false },
  {
    name: 'log-level',
    value: 'L',
    help: 'debug | info | warn | error (default: info)',
    option: 'logLevel',
    fallback: null,
    read: oneOf(['debug', 'info', 'warn', 'error'], 'debug, info, warn or error'),
  },
  {
    name: 'log-format',
    value: 'F',
    help: 'text | json (default: text)',
    option: 'logFormat',
    fallback: 'text',
    read: oneOf(['text', 'json'], 'text or json'),
  },
  {
    name: 'state-dir',
    value: 'DIR',
    help: 'where the crash-safe journal of pending paths lives (default: $STATE_DIRECTORY, else <failLog path>.state)',
    option: 'stateDir',
    fallback: null,
    isPath: true,
  },
  {
    name: 'delay',
    value: 'MS',
    help: 'quiet time before a changed path ships (default: config, else 20)',
    option: 'delayMs',
    fallback: null,
    read: intAtLeast(0),
  },
  {
    name: 'max-delay',
    value: 'MS',
    help: 'longest a changed path waits while it keeps changing (default: config, else 1000)',
    option: 'maxDelayMs',
    fallback: null,
    read: intAtLeast(1),
  },
  {
    name: 'stop-timeout',
    value: 'S',
    help: 'on TERM/INT, wait up to S seconds for running rsyncs, then journal the rest (default: 30)',
    option: 'stopTimeoutSec',
    fallback: 30,
    read: intAtLeast(0),
  },
  { name: 'help', short: 'h', help: 'this help', namedIn: ['run'] },
  { name: 'version', help: 'print the version', namedIn: ['run'] },
  {
    name: 'repair',
    help: 'send the differing and missing paths, delete the extra ones\n(through the running agent when one answers on <host>), then verify again',
    commands: ['verify'],
  },
  {
    name: 'root',
    value: 'PATH',
    help: 'only this <localpath watch>',
    commands: ['verify', 'release-deletes'],
  },
  {
    name: 'remote',
    value: 'LABEL',
    help: 'only this remote (ip::module, as in the log)',
    commands: ['verify', 'versions', 'restore'],
  },
  {
    name: 'at',
    value: 'TIME',
    help: 'the time to bring PATH back to (required)',
    commands: ['restore'],
    required: 'ISO 8601 like 2026-12-04T21:30Z, or a duration ago like 2h',
  },
  {
    name: 'to',
    value: 'DIR',
    help: 'into DIR instead (paths relative to the watched root), for a look first',
    commands: ['restore'],
  },
  // Internal: the process role under -d, set by the process that starts it.
  {
    name: 'role',
    value: 'ROLE',
    option: 'role',
    fallback: null,
    read: (raw, label) =>
      raw === 'supervisor' || raw === 'worker' ? raw : { error: `${label}: internal option, got "${raw}"` },
    rebuild: false,
  },
];

/** `-o/--config` or `--delay`: how messages name a flag. */
export function flagLabel(f: Flag): string {
  return f.short ? `-${f.short}/--${f.name}` : `--${f.name}`;
}

/** Whether `line`'s synopsis names `f`: one of its own commands, or a run flag named there. */
export function namedIn(f: Flag, line: UsageLine): boolean {
  return (f.commands?.some((c) => c === line) ?? false) || (f.namedIn?.includes(line) ?? false);
}

/** A command line the parsers (args.ts, versions-args.ts) refuse, and why. */
export type UsageError = { readonly kind: 'usage-error'; readonly message: string };

/** What node's parseArgs gives for a table's flags. */
export type ParsedValues = Readonly<Record<string, string | boolean | undefined>>;

/** node:util parseArgs's option descriptions of `flags`. */
export function parseArgsOptions(
  flags: readonly Flag[],
): Record<string, { type: 'string' | 'boolean'; short?: string }> {
  return Object.fromEntries(
    flags.map((f) => [f.name, { type: f.value ? 'string' : 'boolean', ...(f.short ? { short: f.short } : {}) }]),
  );
}

/**
 * The command line that reproduces `o` (without -d, --check and --role), for the processes `-d`
 * starts. Paths are made absolute against `cwd`: the supervisor and its workers run in `/`.
 */
export function optionsToArgv(o: RunOptions, cwd: string): string[] {
  const out: string[] = [];
  for (const f of FLAGS) {
    if (!f.option || f.rebuild === false) continue;
    const v = o[f.option];
    if (v === null || v === false) continue;
    if (v === true) out.push(`--${f.name}`);
    else out.push(`--${f.name}=${f.isPath ? path.resolve(cwd, String(v)) : String(v)}`);
  }
  return out;
}
