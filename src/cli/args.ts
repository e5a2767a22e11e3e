import { parseArgs } from 'node:util';
import path from 'node:path';
import { parseVersionsCli, VERSIONS_HELP, VERSIONS_USAGE, type VersionsCommand } from './versions-args.js';

/** What the command line asks for. Pure: argv in, a decision out. */
export type CliCommand =
  | { readonly kind: 'help' }
  | { readonly kind: 'status'; readonly options: RunOptions }
  | { readonly kind: 'verify'; readonly options: RunOptions; readonly verify: VerifyOptions }
  | { readonly kind: 'release-deletes'; readonly options: RunOptions; readonly root: string | null }
  | { readonly kind: 'version' }
  | { readonly kind: 'usage-error'; readonly message: string }
  | { readonly kind: 'run'; readonly options: RunOptions }
  | VersionsCommand;

export interface RunOptions {
  /** `-o FILE`: the config. @default './confxml.xml' (sersync's, relative to the cwd) */
  readonly configFile: string;
  /** `-r`: full sync of every root to every remote once the watches are up. */
  readonly initialSync: boolean;
  /** `-n N`: the most rsync processes at once. @default 10 */
  readonly threads: number;
  /** `-d`: detach; a supervisor runs the agent and restarts it (daemon/supervisor.ts). */
  readonly daemon: boolean;
  /** `-m NAME`: run one plugin alone, without rsync (cli/plugin-service.ts). */
  readonly plugin: string | null;
  /** `--check`: validate the config, print what would run, exit. */
  readonly check: boolean;
  readonly debug: boolean;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | null;
  readonly logFormat: 'text' | 'json';
  /** `--delay MS` / `--max-delay MS`: override `<debounce>`. */
  readonly delayMs: number | null;
  readonly maxDelayMs: number | null;
  /** `--stop-timeout SEC`: how long TERM/INT wait for running rsyncs before journaling the rest. @default 30 */
  readonly stopTimeoutSec: number;
  /** `--state-dir DIR`: journal and canary. @default `$STATE_DIRECTORY` (systemd), else `<failLog path>.state` */
  readonly stateDir: string | null;
  /** `--pid-file FILE` (with -d). @default /run/sersync-ts.pid as root, else `<state dir>/sersync-ts.pid` */
  readonly pidFile: string | null;
  /** `--log-file FILE`: log there instead of stderr (reopened on SIGHUP, for logrotate). */
  readonly logFile: string | null;
  /** Internal: the process role under -d (`supervisor` or `worker`). */
  readonly role: 'supervisor' | 'worker' | null;
}

/** `sersync-ts verify`: compare every root with every remote by content. */
export interface VerifyOptions {
  /** `--repair`: send what differs or is missing, delete what is extra, then verify again. */
  readonly repair: boolean;
  /** `--root PATH`: only this `<localpath watch>`. @default null (all) */
  readonly root: string | null;
  /** `--remote LABEL`: only this remote (`ip::module` as the log shows it, or the module name). @default null (all) */
  readonly remote: string | null;
}

const COMMANDS = ['status', 'verify', 'release-deletes'] as const;

export const USAGE = `Usage: sersync-ts [-d] [-r] [-n N] [-o FILE] [-m NAME] [--check] [-h] [--version]
       sersync-ts status [-o FILE]
       sersync-ts verify [-o FILE] [--repair] [--root PATH] [--remote LABEL] [-n N]
       sersync-ts receiver init|check ...   (on the backup host; see sersync-ts receiver --help)
       sersync-ts release-deletes [-o FILE] [--root PATH]
${VERSIONS_USAGE}

Mirror directories to rsync daemon modules in real time, from a sersync confxml.xml.

  -o, --config FILE     config file (default: ./confxml.xml)
  -r, --initial-sync    push every watched tree to every remote once, after the watches are up
  -n, --threads N       at most N rsync processes at once (default: 10)
  -d, --daemon          validate, then detach: a supervisor restarts the agent if it crashes or hangs
      --pid-file FILE   with -d (default: /run/sersync-ts.pid as root, else <state dir>/sersync-ts.pid)
      --log-file FILE   log to FILE (reopened on SIGHUP); with -d the default is <state dir>/sersync-ts.log
  -m, --plugin NAME     run one plugin alone (refreshCDN, command, socket, http), without rsync
      --check           validate the config, print what would run, and exit (0 ok, 78 bad config)
      --debug           log every rsync command line and every batch's paths
      --log-level L     debug | info | warn | error (default: info)
      --log-format F    text | json (default: text)
      --state-dir DIR   where the crash-safe journal of pending paths lives (default: $STATE_DIRECTORY, else <failLog path>.state)
      --delay MS        quiet time before a changed path ships (default: config, else 20)
      --max-delay MS    longest a changed path waits while it keeps changing (default: config, else 1000)
      --stop-timeout S  on TERM/INT, wait up to S seconds for running rsyncs, then journal the rest (default: 30)
  -h, --help            this help
      --version         print the version
  status                print the running agent's status (from <host hostip port>)
  verify                compare every root with every remote by content (rsync --checksum --dry-run,
                        with the full sync's filter and protect rules); reads both trees in full.
                        Exit 0 identical, 1 something differs, 2 a remote cannot be checked
      --repair          with verify: send the differing and missing paths, delete the extra ones
                        (through the running agent when one answers on <host>), then verify again
      --root PATH       with verify: only this <localpath watch>
      --remote LABEL    with verify: only this remote (ip::module, as in the log)
  release-deletes       ship the deletions the mass-deletion brake (<deleteGuard>) holds in the
                        running agent; --root PATH: only that root's
${VERSIONS_HELP}

Signals: TERM/INT stop (pending changes are shipped or journaled), HUP reloads the config and
reopens the log file, USR1 logs a status snapshot.

Exit codes: 0 ok, 64 bad command line, 78 bad configuration, 1 other failure (verify: see above).`;

/** A whole number >= `min` (0 allowed where `min` is 0), or the message saying what is wrong. */
function intAtLeast(name: string, raw: string | undefined, min: number): number | string {
  if (raw === undefined) return NaN;
  if (!/^\d+$/.test(raw) || Number(raw) < min) return `${name}: expected an integer >= ${min}, got "${raw}"`;
  return Number(raw);
}

export function parseCli(argv: readonly string[]): CliCommand {
  if (argv[0] === 'versions' || argv[0] === 'restore') return parseVersionsCli(argv);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: {
        daemon: { type: 'boolean', short: 'd' },
        'initial-sync': { type: 'boolean', short: 'r' },
        threads: { type: 'string', short: 'n' },
        config: { type: 'string', short: 'o' },
        plugin: { type: 'string', short: 'm' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean' },
        check: { type: 'boolean' },
        debug: { type: 'boolean' },
        'log-level': { type: 'string' },
        'log-format': { type: 'string' },
        delay: { type: 'string' },
        'max-delay': { type: 'string' },
        'stop-timeout': { type: 'string' },
        'state-dir': { type: 'string' },
        'pid-file': { type: 'string' },
        'log-file': { type: 'string' },
        role: { type: 'string' },
        repair: { type: 'boolean' },
        root: { type: 'string' },
        remote: { type: 'string' },
      },
    });
  } catch (err) {
    return { kind: 'usage-error', message: `${(err as Error).message.split('\n')[0]} (see --help)` };
  }
  const v = parsed.values;
  if (v.help) return { kind: 'help' };
  const positionals = parsed.positionals;
  const isCommand = (p: string | undefined): boolean => (COMMANDS as readonly (string | undefined)[]).includes(p);
  if (positionals.length > 1 || (positionals.length === 1 && !isCommand(positionals[0]))) {
    return {
      kind: 'usage-error',
      message: `unexpected argument "${positionals.find((p) => !isCommand(p)) ?? positionals[1]}" (the commands are ${COMMANDS.map((c) => `"${c}"`).join(' and ')}; see --help)`,
    };
  }
  const verifying = positionals[0] === 'verify';
  for (const flag of ['repair', 'root', 'remote'] as const) {
    if (v[flag] !== undefined && !verifying && !(flag === 'root' && positionals[0] === 'release-deletes'))
      return {
        kind: 'usage-error',
        message: `--${flag} goes with "verify" (sersync-ts verify --${flag}${flag === 'repair' ? '' : ' ...'}; see --help)`,
      };
  }
  if (v.root === '' || v.remote === '')
    return { kind: 'usage-error', message: `--${v.root === '' ? 'root' : 'remote'}: empty` };
  const role = v.role;
  if (role !== undefined && role !== 'supervisor' && role !== 'worker')
    return { kind: 'usage-error', message: `--role: internal option, got "${role}"` };
  if (v.version) return { kind: 'version' };
  const threads = v.threads === undefined ? 10 : intAtLeast('-n/--threads', v.threads, 1);
  const delay = v.delay === undefined ? null : intAtLeast('--delay', v.delay, 0);
  const maxDelay = v['max-delay'] === undefined ? null : intAtLeast('--max-delay', v['max-delay'], 1);
  const stopTimeout = v['stop-timeout'] === undefined ? 30 : intAtLeast('--stop-timeout', v['stop-timeout'], 0);
  for (const x of [threads, delay, maxDelay, stopTimeout])
    if (typeof x === 'string') return { kind: 'usage-error', message: x };
  if (v.config === '') return { kind: 'usage-error', message: '-o/--config: the config file name is empty' };
  const level = v['log-level'];
  if (level !== undefined && !['debug', 'info', 'warn', 'error'].includes(level))
    return { kind: 'usage-error', message: `--log-level: expected debug, info, warn or error, got "${level}"` };
  const format = v['log-format'] ?? 'text';
  if (format !== 'text' && format !== 'json')
    return { kind: 'usage-error', message: `--log-format: expected text or json, got "${format}"` };
  const options: RunOptions = {
    configFile: v.config ?? './confxml.xml',
    initialSync: v['initial-sync'] ?? false,
    threads: threads as number,
    daemon: v.daemon ?? false,
    plugin: v.plugin ?? null,
    check: v.check ?? false,
    debug: v.debug ?? false,
    logLevel: (level as RunOptions['logLevel']) ?? null,
    logFormat: format,
    delayMs: delay as number | null,
    maxDelayMs: maxDelay as number | null,
    stopTimeoutSec: stopTimeout as number,
    stateDir: v['state-dir'] ?? null,
    pidFile: v['pid-file'] ?? null,
    logFile: v['log-file'] ?? null,
    role: (role as RunOptions['role']) ?? null,
  };
  if (verifying)
    return {
      kind: 'verify',
      options,
      verify: { repair: v.repair ?? false, root: v.root ?? null, remote: v.remote ?? null },
    };
  if (positionals[0] === 'release-deletes')
    return { kind: 'release-deletes', options, root: v.root === undefined ? null : path.resolve(v.root) };
  return { kind: positionals[0] === 'status' ? 'status' : 'run', options };
}

/**
 * The command line that reproduces `o` (without -d and --role), for the processes `-d` starts.
 * Paths are made absolute against `cwd`: the supervisor and its workers run in `/`.
 */
export function optionsToArgv(o: RunOptions, cwd: string): string[] {
  const abs = (p: string): string => path.resolve(cwd, p);
  const out = [`--config=${abs(o.configFile)}`];
  if (o.initialSync) out.push('-r');
  out.push(`--threads=${o.threads}`);
  if (o.plugin !== null) out.push(`--plugin=${o.plugin}`);
  if (o.debug) out.push('--debug');
  if (o.logLevel !== null) out.push(`--log-level=${o.logLevel}`);
  out.push(`--log-format=${o.logFormat}`);
  if (o.delayMs !== null) out.push(`--delay=${o.delayMs}`);
  if (o.maxDelayMs !== null) out.push(`--max-delay=${o.maxDelayMs}`);
  out.push(`--stop-timeout=${o.stopTimeoutSec}`);
  if (o.stateDir !== null) out.push(`--state-dir=${abs(o.stateDir)}`);
  if (o.pidFile !== null) out.push(`--pid-file=${abs(o.pidFile)}`);
  if (o.logFile !== null) out.push(`--log-file=${abs(o.logFile)}`);
  return out;
}
