import { parseArgs } from 'node:util';
import path from 'node:path';
import { parseVersionsCli, VERSIONS_HELP, VERSIONS_USAGE, type VersionsCommand } from './versions-args.js';
import {
  commandUsage,
  FLAGS,
  flagLabel,
  flagUsage,
  parseArgsOptions,
  type FlagCommand,
  type RunOptions,
} from './flags.js';

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

const COMMAND_HELP: readonly (readonly [string, string])[] = [
  ['status', "print the running agent's status (from <host hostip port>)"],
  [
    'verify',
    "compare every root with every remote by content (rsync --checksum --dry-run,\nwith the full sync's filter and protect rules); reads both trees in full.\nExit 0 identical, 1 something differs, 2 a remote cannot be checked",
  ],
  [
    'release-deletes',
    "ship the deletions the mass-deletion brake (<deleteGuard>) holds in the\nrunning agent; --root PATH: only that root's",
  ],
];

/** The flags of the run itself, then each command with the flags that go with it. */
function optionsHelp(): string {
  const lines = FLAGS.filter((f) => f.help && !f.commands).map(flagUsage);
  for (const [name, help] of COMMAND_HELP) {
    lines.push(commandUsage(name, help));
    lines.push(...FLAGS.filter((f) => f.help && f.commands?.[0] === name).map(flagUsage));
  }
  return lines.join('\n');
}

export const USAGE = `Usage: sersync-ts [-d] [-r] [-n N] [-o FILE] [-m NAME] [--check] [-h] [--version]
       sersync-ts status [-o FILE]
       sersync-ts verify [-o FILE] [--repair] [--root PATH] [--remote LABEL] [-n N]
       sersync-ts receiver init|check ...   (on the backup host; see sersync-ts receiver --help)
       sersync-ts release-deletes [-o FILE] [--root PATH]
${VERSIONS_USAGE}

Mirror directories to rsync daemon modules in real time, from a sersync confxml.xml.

${optionsHelp()}
${VERSIONS_HELP}

Signals: TERM/INT stop (pending changes are shipped or journaled), HUP reloads the config and
reopens the log file, USR1 logs a status snapshot.

Exit codes: 0 ok, 64 bad command line, 78 bad configuration, 1 other failure (verify: see above).`;

type Values = Record<string, string | boolean | undefined>;
type UsageError = { readonly kind: 'usage-error'; readonly message: string };

export function parseCli(argv: readonly string[]): CliCommand {
  if (argv[0] === 'versions' || argv[0] === 'restore') return parseVersionsCli(argv);
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, strict: true, options: parseArgsOptions() });
  } catch (err) {
    return { kind: 'usage-error', message: `${(err as Error).message.split('\n')[0]} (see --help)` };
  }
  const v: Values = parsed.values;
  if (v['help']) return { kind: 'help' };
  const command = parsed.positionals[0];
  const misplaced = misplacedArgument(parsed.positionals, v);
  if (misplaced) return misplaced;
  // A bad --role is refused even with --version; every other option only when the agent would run.
  const role = runOptionsOf(v, ['role']);
  if ('kind' in role) return role;
  if (v['version']) return { kind: 'version' };
  const options = runOptionsOf(v);
  if ('kind' in options) return options;
  if (command === 'verify')
    return {
      kind: 'verify',
      options,
      verify: {
        repair: (v['repair'] as boolean | undefined) ?? false,
        root: (v['root'] as string | undefined) ?? null,
        remote: (v['remote'] as string | undefined) ?? null,
      },
    };
  if (command === 'release-deletes')
    return {
      kind: 'release-deletes',
      options,
      root: v['root'] === undefined ? null : path.resolve(v['root'] as string),
    };
  return { kind: command === 'status' ? 'status' : 'run', options };
}

/** An unknown command, a second one, a flag without its command, or an empty --root/--remote. */
function misplacedArgument(positionals: readonly string[], v: Values): UsageError | null {
  const isCommand = (p: string | undefined): boolean => (COMMANDS as readonly (string | undefined)[]).includes(p);
  if (positionals.length > 1 || (positionals.length === 1 && !isCommand(positionals[0]))) {
    return {
      kind: 'usage-error',
      message: `unexpected argument "${positionals.find((p) => !isCommand(p)) ?? positionals[1]}" (the commands are ${COMMANDS.map((c) => `"${c}"`).join(' and ')}; see --help)`,
    };
  }
  for (const f of FLAGS) {
    const first = f.commands?.[0];
    if (!first || v[f.name] === undefined || f.commands.includes(positionals[0] as FlagCommand)) continue;
    return {
      kind: 'usage-error',
      message: `--${f.name} goes with "${first}" (sersync-ts ${first} --${f.name}${f.value ? ' ...' : ''}; see --help)`,
    };
  }
  if (v['root'] === '' || v['remote'] === '')
    return { kind: 'usage-error', message: `--${v['root'] === '' ? 'root' : 'remote'}: empty` };
  return null;
}

/** Every flag that sets a RunOptions field, read through its table row (the first error wins). */
function runOptionsOf(v: Values, only?: readonly string[]): RunOptions | UsageError {
  const out: Record<string, unknown> = {};
  for (const f of FLAGS) {
    if (!f.option || (only && !only.includes(f.name))) continue;
    const raw = v[f.name];
    const value = raw === undefined ? f.fallback : typeof raw === 'string' && f.read ? f.read(raw, flagLabel(f)) : raw;
    if (value !== null && typeof value === 'object') return { kind: 'usage-error', message: value.error };
    out[f.option] = value;
  }
  return out as unknown as RunOptions;
}
