/**
 * The dirwatch worker thread itself: how it is started, and one started early. A thread takes
 * about 90 ms to start here (an isolate, node's bootstrap, the watcher's modules: measured under
 * --jitless), and the first scan of a 100k-file tree 350-450 ms more. Both used to wait until the
 * main thread had loaded the agent's modules (200-250 ms). Now, when this process will run an
 * agent, main.ts starts the thread first and, once the config is read, tells it the sync roots,
 * so the scan runs on the other core while the agent loads (issue 21, startup). The agent's
 * DirWatch takes that thread (takeEarlyThread) and tells it every root (its canary's directory
 * is only known then). A thread that failed or ended before it was taken is not used: DirWatch
 * starts one of its own, whose failure it reports.
 */
import { Worker } from 'node:worker_threads';
import type { FromWorker, ToWorker } from './protocol.js';
import type { WatchRootSpec } from './types.js';

/**
 * The worker's young generation, at most. V8 grows it to 32 MiB during a big scan (the entries
 * read are short-lived garbage) and keeps it: 8 MiB took 17 MiB off the RSS after the scan of a
 * million files, for no measurable CPU (measured with scripts/bench/scan-probe.ts).
 */
const YOUNG_GENERATION_MB = 8;

/** A thread started early, as takeEarlyThread hands it over. */
export interface EarlyThread {
  readonly worker: Worker;
  /** The roots it was told (scanning them already), or null. */
  readonly roots: readonly WatchRootSpec[] | null;
  /** What it said before it was taken (a problem with a root, say), in order. */
  readonly said: readonly FromWorker[];
}

interface Early {
  readonly worker: Worker;
  roots: WatchRootSpec[] | null;
  readonly said: FromWorker[];
  gone: boolean;
  /** Removes what startEarlyThread listens with. */
  readonly unhear: () => void;
}

let early: Early | null = null;

export function startWatcherThread(): Worker {
  // Through ../watch/: the same file from here and from the bundle's chunks/ (scripts/bundle.mjs).
  return new Worker(new URL('../watch/dirwatch-worker.js', import.meta.url), {
    resourceLimits: { maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
  });
}

/** Starts the thread now, for the first takeEarlyThread(). */
export function startEarlyThread(): Worker {
  if (early) return early.worker;
  const worker = startWatcherThread();
  const said: FromWorker[] = [];
  // Until taken, nothing else listens: an unheard 'error' would end the process, and a message
  // nobody hears is lost.
  const onGone = (): void => void (e.gone = true);
  const onMessage = (m: FromWorker): void => void said.push(m);
  worker.on('error', onGone).on('exit', onGone).on('message', onMessage);
  const unhear = (): void => void worker.off('error', onGone).off('exit', onGone).off('message', onMessage);
  const e: Early = { worker, roots: null, said, gone: false, unhear };
  early = e;
  return e.worker;
}

/** The early thread starts scanning these roots; the agent tells it the rest (all-roots). */
export function tellEarlyThread(roots: readonly WatchRootSpec[]): void {
  if (!early || early.gone || early.roots) return;
  early.roots = [...roots];
  early.worker.postMessage({ type: 'roots', roots, final: false } satisfies ToWorker);
}

/** The thread startEarlyThread() started, once, if it is still alive. */
export function takeEarlyThread(): EarlyThread | null {
  const e = early;
  early = null;
  if (!e) return null;
  e.unhear();
  if (!e.gone) return { worker: e.worker, roots: e.roots, said: e.said };
  void e.worker.terminate();
  return null;
}
