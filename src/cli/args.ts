import { parseArgs } from 'node:util';
import path from 'node:path';
import { parseVersionsCli, type VersionsCommand } from './versions-args.js';
import { commandsOf } from './commands.js';
import {
  FLAGS,
  flagLabel,
  parseArgsOptions,
  type Flag,
  type ParsedValues as Values,
  type UsageError,
} from './flags.js';
import type { RunOptions } from './run-options.js';

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

/** The command words parseCli reads, with the run's flags. */
const COMMANDS = commandsOf('run-flags');
/** The command words with a parser of their own (versions-args.ts): they come first on the line. */
const OWN_PARSER = commandsOf('own-flags');
/** The flags the run's command line takes: the run's own, and those of a command it reads. */
const RUN_LINE_FLAGS: readonly Flag[] = FLAGS.filter(
  (f) => !f.commands || f.commands.some((c) => COMMANDS.includes(c)),
);

export function parseCli(argv: readonly string[]): CliCommand {
  if (OWN_PARSER.some((c) => c === argv[0])) return parseVersionsCli(argv);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      strict: true,
      options: parseArgsOptions(RUN_LINE_FLAGS),
    });
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

/**
 * The run's options when this command line runs the agent in this process: in the foreground,
 * or as -d's worker. Null for the -d launcher and its supervisor (they only start processes),
 * `receiver`, a plugin alone (-m), --check and every other command. main.ts starts the
 * watcher's thread early for the agent only (early-start.ts).
 */
export function agentRunOptions(argv: readonly string[]): RunOptions | null {
  if (argv[0] === 'receiver') return null;
  const cmd = parseCli(argv);
  if (cmd.kind !== 'run') return null;
  const o = cmd.options;
  return !o.check && o.plugin === null && o.role !== 'supervisor' && !(o.daemon && o.role === null) ? o : null;
}

/** An unknown command, a second one, a flag without its command, or an empty value for a command's flag. */
function misplacedArgument(positionals: readonly string[], v: Values): UsageError | null {
  const isCommand = (p: string | undefined): boolean => COMMANDS.some((c) => c === p);
  const ownLine = positionals.find((p) => OWN_PARSER.some((c) => c === p));
  if (ownLine)
    return {
      kind: 'usage-error',
      message: `"${ownLine}" comes first, before its flags (sersync-ts ${ownLine} PATH ...; see --help)`,
    };
  if (positionals.length > 1 || (positionals.length === 1 && !isCommand(positionals[0]))) {
    return {
      kind: 'usage-error',
      message: `unexpected argument "${positionals.find((p) => !isCommand(p)) ?? positionals[1]}" (the commands are ${COMMANDS.map((c) => `"${c}"`).join(' and ')}; see --help)`,
    };
  }
  for (const f of RUN_LINE_FLAGS) {
    const first = f.commands?.[0];
    if (!first || v[f.name] === undefined || f.commands.some((c) => c === positionals[0])) continue;
    return {
      kind: 'usage-error',
      message: `--${f.name} goes with "${first}" (sersync-ts ${first} --${f.name}${f.value ? ' ...' : ''}; see --help)`,
    };
  }
  const empty = RUN_LINE_FLAGS.find((f) => f.commands && f.value && v[f.name] === '');
  if (empty) return { kind: 'usage-error', message: `--${empty.name}: empty` };
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
