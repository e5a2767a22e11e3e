import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config/load.js';
import { formatProblem, type SersyncConfig, type VersionsConfig } from '../config/types.js';
import { RsyncRunner } from '../rsync/runner.js';
import { fromText, type BytePath } from '../shared/bytepath.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { EXIT } from '../shared/errors.js';
import type { Io } from '../shared/io.js';
import { selectLanes } from '../verify/select.js';
import { formatRestored, formatVersions, parseAt } from '../versions/format.js';
import { keptOf, restoreAt } from '../versions/query.js';
import type { VersionsRemote } from '../versions/remote.js';
import type { VersionsCommand } from './versions-args.js';

/** The watched root PATH is in, and PATH relative to it (`.` for the root itself). */
function locate(config: SersyncConfig, target: string): { root: string; rel: BytePath } | null {
  const abs = path.resolve(target);
  const root = config.roots
    .map((r) => r.path)
    .filter((r) => abs === r || abs.startsWith(r === '/' ? '/' : `${r}/`))
    .sort((a, b) => b.length - a.length)[0];
  if (root === undefined) return null;
  return { root, rel: abs === root ? '.' : fromText(abs.slice(root === '/' ? 1 : root.length + 1)) };
}

type Setup =
  | { readonly v: VersionsRemote; readonly root: string; readonly rel: BytePath; readonly shown: string }
  | { readonly exit: number; readonly lines: readonly string[] };

async function setUp(cmd: VersionsCommand): Promise<Setup> {
  const loaded = await loadConfig(cmd.configFile);
  if (!loaded.config || loaded.problems.length > 0)
    return {
      exit: EXIT.CONFIG,
      lines: [
        ...loaded.problems.map(formatProblem),
        `sersync-ts: ${loaded.problems.length} problem(s) in ${cmd.configFile}`,
      ],
    };
  const config = loaded.config;
  const versions: VersionsConfig | null = config.rsync.versions ?? null;
  if (!versions)
    return {
      exit: EXIT.CONFIG,
      lines: [
        `sersync-ts: ${cmd.configFile}: sersync/rsync/versions: versions are off, so the remote keeps none (add <versions start="true" dir=".sersync-versions" bucket="1h" keep="30d"/> inside <rsync>)`,
      ],
    };
  const where = locate(config, cmd.path);
  if (!where)
    return {
      exit: EXIT.USAGE,
      lines: [
        `sersync-ts: ${cmd.path}: not in a watched tree of ${cmd.configFile} (${config.roots.map((r) => r.path).join(', ')})`,
      ],
    };
  const chosen = selectLanes(config, where.root, cmd.remote);
  if ('error' in chosen) return { exit: EXIT.USAGE, lines: [`sersync-ts: ${chosen.error}`] };
  const remote = chosen.lanes[0]!.remote;
  const v: VersionsRemote = { rsync: { ...config.rsync, versions }, remote, runner: new RsyncRunner(systemClock) };
  return { v, root: where.root, rel: where.rel, shown: path.resolve(cmd.path) };
}

/** `sersync-ts versions PATH` and `sersync-ts restore PATH --at TIME`: exit 0 done, 1 nothing there, 2 the remote could not be read. */
export async function runVersionsCli(cmd: VersionsCommand, io: Io, clock: Clock = systemClock): Promise<number> {
  const s = await setUp(cmd);
  if ('exit' in s) {
    for (const l of s.lines) io.err(l);
    return s.exit;
  }
  const now = clock.wallNow();
  const at = cmd.kind === 'restore' ? parseAt(cmd.at, now) : null;
  if (typeof at === 'string') {
    io.err(`sersync-ts: restore --at ${cmd.kind === 'restore' ? cmd.at : ''}: ${at}`);
    return EXIT.USAGE;
  }
  const kept = await keptOf(s.v, s.rel);
  if ('error' in kept) {
    io.err(`sersync-ts: cannot read ${s.v.remote.label}: ${kept.error}`);
    return 2;
  }
  if (cmd.kind === 'versions') {
    const lines = formatVersions(s.shown, s.v, kept);
    for (const l of lines) io.out(l);
    return kept.versions.size + kept.current.size > 0 ? EXIT.OK : EXIT.FAILURE;
  }
  const target = cmd.to !== null ? path.resolve(cmd.to) : s.root;
  fs.mkdirSync(target, { recursive: true });
  const done = await restoreAt(s.v, kept, at!, target);
  if ('error' in done) {
    io.err(`sersync-ts: restore of ${s.shown} from ${s.v.remote.label} failed ${done.error}`);
    return 2;
  }
  for (const l of formatRestored(s.shown, at!, target, s.v, done.files)) io.out(l);
  return done.files.size > 0 ? EXIT.OK : EXIT.FAILURE;
}
