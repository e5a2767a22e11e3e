/**
 * The flags node runs the agent with: the packaged launcher (scripts/package/sersync-ts) passes
 * them, `-d` hands them on to its supervisor and workers (they inherit this process's
 * execArgv), and the tests and the bench start the agent with them, so what is measured and
 * tested is what ships.
 *
 * `--jitless`: V8 interprets the agent's code and never compiles it to machine code. The agent's
 * work is short bursts of event handling between long idle spells, too short for compiled code to
 * pay for its compilation, which takes CPU from the rsync and the writer on the same cores: the
 * 100k-file agent is 73 MiB RSS after ready instead of 82 (88 instead of 104 under the packaged
 * Node 24), and used a third less CPU on the bursts (issue 21, docs/BENCHMARKS.md round 15).
 *
 * `--optimize-for-size`: V8 lets the old generation grow by 2 MiB before its next full GC
 * instead of 8. A burst of 5,000 events promotes short-lived objects that only a full GC frees:
 * the main thread's heap went from 15 to 22 MiB committed during a burst-modify. Under Node 20 the
 * peak RSS over the bursts fell from 80 to 71 MiB, for no measurable CPU.
 *
 * Both are V8 flags read when the process starts: they must be on node's command line.
 */
export const NODE_FLAGS: readonly string[] = ['--jitless', '--optimize-for-size'];

/**
 * Before Node 24, V8 prints "Warning: disabling flag --expose_wasm due to conflicting flags" at
 * every start under --jitless unless also told this flag (seen under v20.20.2, v22.23.5 and
 * v23.11.1: an install.sh launcher on a distribution's Node 22 printed it at every start), and
 * Node 24's V8 refuses it ("bad option").
 */
const NO_WASM = '--no-expose-wasm';
const NO_WASM_BEFORE_MAJOR = 24;

/** NODE_FLAGS for a node of this major version (NO_WASM before 24). */
export function nodeFlagsFor(major: number): string[] {
  return major < NO_WASM_BEFORE_MAJOR ? [...NODE_FLAGS, NO_WASM] : [...NODE_FLAGS];
}

/**
 * The `sersync-ts` command scripts/install.sh writes: a /bin/sh script that runs `main` (a path)
 * under the node on PATH with that node's flags. The node's version is asked at each start
 * (`node --version`, about 10 ms), not at install time: a launcher written under Node 20 or 22
 * with --no-expose-wasm in it would stop starting ("bad option") once node was upgraded to 24.
 */
export function nodeLauncher(main: string): string {
  const quoted = `'${main.replace(/'/g, `'\\''`)}'`;
  return [
    '#!/bin/sh',
    '# Written by scripts/install.sh (src/shared/node-flags.ts, nodeLauncher).',
    'v=$(node --version 2>/dev/null) || v=',
    'major=${v#v}',
    'major=${major%%.*}',
    'extra=',
    `case "$major" in ''|*[!0-9]*) ;; *) [ "$major" -lt ${NO_WASM_BEFORE_MAJOR} ] && extra=${NO_WASM} ;; esac`,
    `exec node ${NODE_FLAGS.join(' ')} $extra ${quoted} "$@"`,
    '',
  ].join('\n');
}

/** nodeFlagsFor the node running this code: the flags the tests and the bench start the agent with. */
export const OWN_NODE_FLAGS: readonly string[] = nodeFlagsFor(Number(process.versions.node.split('.')[0]));
