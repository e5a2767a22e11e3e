/**
 * What a process that will run the agent starts before it loads the agent's modules: the
 * watcher's thread, and the config's one read, whose sync roots that thread starts scanning at
 * once (watcher-thread.ts; issue 21, startup). runCli takes this read instead of its own.
 */
import type { LoadResult } from '../config/load.js';
import { rootSpecsOf } from '../watch/root-specs.js';
import { startEarlyThread, tellEarlyThread } from '../watch/watcher-thread.js';
import { agentRunOptions } from './args.js';

/** The config file as read before the agent loaded (runCli uses it when it names the same file). */
export interface EarlyConfig {
  readonly file: string;
  readonly loaded: Promise<LoadResult>;
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
  if (r?.config && r.problems.length === 0) tellEarlyThread(rootSpecsOf(r.config));
  return { file, loaded };
}
