import { parseArgs } from 'node:util';

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

export const VERSIONS_USAGE = `       sersync-ts versions PATH [-o FILE] [--remote LABEL]
       sersync-ts restore PATH --at TIME [--to DIR] [-o FILE] [--remote LABEL]`;

export const VERSIONS_HELP = `  versions PATH         with <versions> on: list the kept versions of a file or directory on the remote
                        (bucket, size, mtime), and what the mirror has now
  restore PATH          bring back what PATH held at --at TIME (ISO 8601, or a duration ago: 90m, 2h, 3d),
                        a directory file by file, into the watched tree (the agent then mirrors it)
      --to DIR          with restore: into DIR instead (paths relative to the watched root), for a look first`;

/** Pure: argv (starting with the command) in, a command or a usage error out. */
export function parseVersionsCli(
  argv: readonly string[],
): VersionsCommand | { readonly kind: 'usage-error'; readonly message: string } {
  const [kind, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      strict: true,
      options: {
        config: { type: 'string', short: 'o' },
        remote: { type: 'string' },
        at: { type: 'string' },
        to: { type: 'string' },
      },
    });
  } catch (err) {
    return { kind: 'usage-error', message: `${kind}: ${(err as Error).message.split('\n')[0]} (see --help)` };
  }
  const v = parsed.values;
  const [target, ...extra] = parsed.positionals;
  if (target === undefined || target === '')
    return {
      kind: 'usage-error',
      message: `${kind}: give the PATH (a file or directory in a watched tree; see --help)`,
    };
  if (extra.length > 0)
    return { kind: 'usage-error', message: `${kind}: unexpected argument "${extra[0]}" (one PATH; see --help)` };
  for (const [name, value] of [
    ['-o/--config', v.config],
    ['--remote', v.remote],
    ['--at', v.at],
    ['--to', v.to],
  ] as const) {
    if (value === '') return { kind: 'usage-error', message: `${kind}: ${name} is empty` };
  }
  const common = { configFile: v.config ?? './confxml.xml', path: target, remote: v.remote ?? null };
  if (kind === 'versions') {
    if (v.at !== undefined || v.to !== undefined)
      return {
        kind: 'usage-error',
        message: `versions: --${v.at !== undefined ? 'at' : 'to'} goes with "restore" (see --help)`,
      };
    return { kind: 'versions', ...common };
  }
  if (v.at === undefined)
    return {
      kind: 'usage-error',
      message:
        'restore: --at TIME is required (ISO 8601 like 2026-12-04T21:30Z, or a duration ago like 2h; see --help)',
    };
  return { kind: 'restore', ...common, at: v.at, to: v.to ?? null };
}
