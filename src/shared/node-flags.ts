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
 * `--optimize-for-size`: V8's next full GC comes when the old generation has grown to 1.1 times
 * what the last one kept, or by 8 MiB and the young generation's size if that is more, instead of
 * up to 4 times (`--trace-gc-verbose`: 10,450 KB kept, next at 19,649 KB; without the flag 43 MB
 * kept, next at 189 MB). A burst of 5,000 events promotes short-lived objects that only a full GC
 * frees: the main thread's heap went from 15 to 22 MiB committed during a burst-modify. Under Node
 * 20 the peak RSS over the bursts fell from 80 to 71 MiB, for no measurable CPU. No flag moves
 * the 8 MiB step (`--heap-growing-percent` sets the factor only), so a burst that leaves 9 MB of
 * garbage peaks near its live heap plus 9 MB (issue 21, docs/BENCHMARKS.md round 28). V8 keeps a
 * 2 MiB step for memory-saving growth, but under this flag every full GC started by the limit is
 * a memory-reducing one (`Mark-Compact (reduce)` in --trace-gc, 33 of 33; none without the flag),
 * and after those V8 11.3 grows the limit in its "minimal" mode, whose step is the regular 8 MiB
 * (heap.h GCFlagsForIncrementalMarking, heap-controller.cc; docs/BENCHMARKS.md round 29).
 *
 * Both are V8 flags read when the process starts: they must be on node's command line.
 */
export const NODE_FLAGS: readonly string[] = ['--jitless', '--optimize-for-size'];

/**
 * Node majors that run the agent with other flags than NODE_FLAGS (every other major, 24 on,
 * takes NODE_FLAGS as they are). Checked with v20.20.2, v21.7.3, v22.23.5, v23.11.1 and v24.22.3:
 * - Before 24, V8 prints "Warning: disabling flag --expose_wasm due to conflicting flags" at every
 *   start under --jitless unless also told --no-expose-wasm, a flag Node 24's V8 refuses ("bad
 *   option").
 * - Nodes 22 and 23 die under --jitless as soon as anything imports `node:http` as an ES module
 *   (the agent's HTTP endpoint does): the module's exports are read, its WebSocket getter loads the
 *   built-in undici, and undici compiles its HTTP parser with WebAssembly, which --jitless takes
 *   away ("ReferenceError: WebAssembly is not defined", exit 1). They run without --jitless.
 */
const BY_MAJOR: ReadonlyArray<{ readonly majors: readonly number[]; readonly flags: readonly string[] }> = [
  { majors: [20, 21], flags: [...NODE_FLAGS, '--no-expose-wasm'] },
  { majors: [22, 23], flags: ['--optimize-for-size'] },
];

/** What every node above takes without a warning or a failure: for a node that will not say its version. */
const ANY_NODE: readonly string[] = ['--optimize-for-size'];

/** The flags for a node of this major version (NODE_FLAGS, or BY_MAJOR's). */
export function nodeFlagsFor(major: number): string[] {
  return [...(BY_MAJOR.find((b) => b.majors.includes(major))?.flags ?? NODE_FLAGS)];
}

/**
 * The `sersync-ts` command scripts/install.sh writes: a /bin/sh script that runs `main` (a path)
 * under the node on PATH with that node's flags (nodeFlagsFor). The node's version is asked at
 * each start (`node --version`, about 10 ms), not at install time: one written under Node 20 held
 * --no-expose-wasm, which Node 24 refuses ("bad option", exit 9), so it would not have started
 * once the server's node was upgraded.
 */
export function nodeLauncher(main: string): string {
  const quoted = `'${main.replace(/'/g, `'\\''`)}'`;
  const cases = BY_MAJOR.map((b) => `  ${b.majors.join('|')}) flags='${b.flags.join(' ')}' ;;`);
  return [
    '#!/bin/sh',
    '# Written by scripts/install.sh (src/shared/node-flags.ts, nodeLauncher).',
    'v=$(node --version 2>/dev/null) || v=',
    'major=${v#v}',
    'case "${major%%.*}" in',
    ...cases,
    `  ''|*[!0-9]*) flags='${ANY_NODE.join(' ')}' ;;`,
    `  *) flags='${NODE_FLAGS.join(' ')}' ;;`,
    'esac',
    `exec node $flags ${quoted} "$@"`,
    '',
  ].join('\n');
}

/** nodeFlagsFor the node running this code: the flags the tests and the bench start the agent with. */
export const OWN_NODE_FLAGS: readonly string[] = nodeFlagsFor(Number(process.versions.node.split('.')[0]));
