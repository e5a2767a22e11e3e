import v8 from 'node:v8';

/**
 * Keep V8's young generation at its initial 1 MiB semi-space (main thread and the watcher worker)
 * instead of letting it double up to 16 MiB. A burst of events is short-lived garbage that makes
 * V8 grow the nursery, and a grown nursery stays committed: the 100k-file agent went from 95 to
 * 84 MiB RSS after ready and from 134 to 95 MiB at the peak of a 5,000-file burst (issue 21,
 * docs/BENCHMARKS.md), for no measurable startup cost. The growth factor is read each time V8
 * considers growing, so setting it here, before the agent allocates, is enough; a flag on the
 * command line (`node --max-semi-space-size=1`) would not reach an agent started as `sersync-ts`.
 * Imported first by main.ts, for its side effect.
 */
v8.setFlagsFromString('--semi-space-growth-factor=1');
