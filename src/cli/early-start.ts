/**
 * What a process that will run the agent starts before it loads the agent's modules: the
 * watcher's thread, the config's one read, whose sync roots that thread starts scanning at once
 * (watcher-thread.ts; issue 21, startup), and the remotes' probes. runCli takes this read instead
 * of its own, and the first agent these probes.
 */
import type { LoadResult } from '../config/load.js';
import type { EarlyProbes } from '../rsync/probe.js';
import type { SersyncConfig } from '../config/types.js';
import { systemClock } from '../shared/clock.js';
import { rootSpecsOf } from '../watch/root-specs.js';
import { startEarlyThread, tellEarlyThread } from '../watch/watcher-thread.js';
import { agentRunOptions } from './args.js';

/** The config file as read before the agent loaded (runCli uses it when it names the same file). */
export interface EarlyConfig {
  readonly file: string;
  readonly loaded: Promise<LoadResult>;
  /** The remotes' probes, begun once the config read (none over ssh: rsync/probe.ts). */
  readonly probes?: EarlyProbes;
}

/**
 * Null unless this command line runs the agent in this process (agentRunOptions). Resolves once
 * the thread has the roots: before the agent's modules load, on this same thread.
 */
export async function startEarly(argv: readonly string[]): Promise<EarlyConfig | null> {
  const file = agentRunOptions(argv)?.configFile;
  if (file === undefined) return null;
  startEarlyThread();
  // Imported after the thread starts: the config's reader (fast-xml-parser) takes a while to load.
  const loaded = import('../config/load.js').then((m) => m.loadConfig(file));
  // A read that fails is runCli's to report, as it would be without this.
  const r = await loaded.catch(() => null);
  if (!r?.config || r.problems.length > 0) return { file, loaded };
  tellEarlyThread(rootSpecsOf(r.config));
  return { file, loaded, probes: await probeEarly(r.config) };
}

/**
 * The remotes' probes, begun now: their rsyncs answer while this thread loads the agent's modules,
 * instead of after them. With the first scan shortened (scan.ts, leaves), the probe became what
 * a start waited for: the agent syncs nothing before its remotes answered (issue 21, startup).
 */
async function probeEarly(config: SersyncConfig): Promise<EarlyProbes> {
  const { earlyProbeTargets, probeRemote } = await import('../rsync/probe.js');
  const targets = earlyProbeTargets(config.roots, config.rsync);
  if (targets.length === 0) return new Map();
  const { RsyncRunner } = await import('../rsync/runner.js');
  const runner = new RsyncRunner(systemClock);
  return new Map(
    targets.map((r) => {
      const probe = probeRemote(runner, config.rsync, r, undefined, config.file);
      // The agent's probeAll awaits it; a process that stops before (another agent runs) must not die of it.
      probe.catch(() => undefined);
      return [r.label, probe];
    }),
  );
}
