import { parseArgs } from 'node:util';
import { commandsOf } from './commands.js';
import {
  FLAGS,
  flagLabel,
  namedIn,
  parseArgsOptions,
  type Flag,
  type ParsedValues as Values,
  type UsageError,
} from './flags.js';

/** `sersync-ts versions PATH` / `sersync-ts restore PATH --at TIME`: what they ask for. */
export type VersionsCommand =
  | { readonly kind: 'versions'; readonly configFile: string; readonly path: string; readonly remote: string | null }
  | {
      readonly kind: 'restore';
      readonly configFile: string;
      readonly path: string;
      readonly remote: string | null;
      readonly at: string;
      readonly to: string | null;
    };

type Kind = VersionsCommand['kind'];

/**
 * The flags either command takes: parsed for both, so that `versions --at` is told where --at goes
 * rather than that it is unknown.
 */
const PATH_COMMAND_FLAGS: readonly Flag[] = FLAGS.filter((f) => commandsOf('own-flags').some((c) => namedIn(f, c)));
/** -h/--help: understood after any command word, as everywhere else (not in the synopsis of each). */
const HELP: readonly Flag[] = FLAGS.filter((f) => f.name === 'help');

/** Pure: argv (starting with the command, which parseCli has seen is one of the two) in, a command or a usage error out. */
export function parseVersionsCli(argv: readonly string[]): VersionsCommand | UsageError | { readonly kind: 'help' } {
  const [word, ...rest] = argv;
  const kind: Kind = word === 'restore' ? 'restore' : 'versions';
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: parseArgsOptions([...PATH_COMMAND_FLAGS, ...HELP]),
    });
  } catch (err) {
    return usageError(kind, `${(err as Error).message.split('\n')[0]} (see --help)`);
  }
  const v: Values = parsed.values;
  if (v['help']) return { kind: 'help' };
  const [target, ...extra] = parsed.positionals;
  if (target === undefined || target === '')
    return usageError(kind, 'give the PATH (a file or directory in a watched tree; see --help)');
  if (extra.length > 0) return usageError(kind, `unexpected argument "${extra[0]}" (one PATH; see --help)`);
  const wrong = flagProblem(kind, v);
  if (wrong) return usageError(kind, wrong);
  const text = (name: string): string | null => (v[name] as string | undefined) ?? null;
  const common = { configFile: text('config') ?? './confxml.xml', path: target, remote: text('remote') };
  if (kind === 'versions') return { kind: 'versions', ...common };
  // flagProblem has seen that --at, required, is there.
  return { kind: 'restore', ...common, at: v['at'] as string, to: text('to') };
}

/** An empty value, a flag of the other command, or a required one missing: what the table says. */
function flagProblem(kind: Kind, v: Values): string | null {
  const empty = PATH_COMMAND_FLAGS.find((f) => v[f.name] === '');
  if (empty) return `${flagLabel(empty)} is empty`;
  const elsewhere = PATH_COMMAND_FLAGS.find((f) => v[f.name] !== undefined && !namedIn(f, kind));
  if (elsewhere) {
    const other = commandsOf('own-flags').find((c) => namedIn(elsewhere, c));
    return `--${elsewhere.name} goes with "${other}" (see --help)`;
  }
  const missing = PATH_COMMAND_FLAGS.find((f) => f.required && namedIn(f, kind) && v[f.name] === undefined);
  if (missing) return `--${missing.name} ${missing.value} is required (${missing.required}; see --help)`;
  return null;
}

function usageError(kind: Kind, message: string): UsageError {
  return { kind: 'usage-error', message: `${kind}: ${message}` };
}
