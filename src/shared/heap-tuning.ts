import v8 from 'node:v8';

/**
 * Keep V8's young generation at its initial size (main thread and the watcher worker) instead of
 * letting it double up to 16-32 MiB. A burst of events is short-lived garbage that makes V8 grow
 * the nursery, and a grown nursery stays committed: the 100k-file agent went from 95 to 84 MiB
 * RSS after ready and from 134 to 96 MiB at the peak of a 5,000-file burst (issue 21,
 * docs/BENCHMARKS.md), for no measurable CPU. The growth factor is read each time V8 considers
 * growing, so setting it before the agent allocates is enough, and a flag on the command line
 * (`node --max-semi-space-size=1`) would not reach an agent started as `sersync-ts`. Imported for
 * its side effect by main.ts (before it loads the agent) and by dirwatch-worker.ts: creating an
 * isolate puts V8's flags back to their defaults.
 */
v8.setFlagsFromString('--semi-space-growth-factor=1');
