import type { CommandName } from './flags.js';

/**
 * How a command's arguments are read:
 * - `run-flags`: by parseCli (args.ts), with every flag of the run (taken, and ignored where it means
 *   nothing) and the flags that name the command; the word may stand anywhere on the line.
 * - `own-flags`: by versions-args.ts, word first, then PATH and exactly the flags its synopsis
 *   names (the table's `namedIn`), nothing of the run's.
 * - `apart`: by a parser of its own with its own help (receiver.ts); only its synopsis line is here.
 */
export type CommandGrammar = 'run-flags' | 'own-flags' | 'apart';

/** One command word: its synopsis line and its entry in the usage text come from here. */
export interface Command {
  readonly name: CommandName;
  readonly grammar: CommandGrammar;
  /** What follows the word in the synopsis, before the flags (`PATH`). */
  readonly operand?: string;
  /** Said after the flags in the synopsis (where its own help is). */
  readonly note?: string;
  /** The usage text's description; `\n` starts a continuation line. Absent: it has its own help. */
  readonly help?: string;
}

/** In the usage text's order. */
export const COMMANDS: readonly Command[] = [
  { name: 'status', grammar: 'run-flags', help: "print the running agent's status (from <host hostip port>)" },
  {
    name: 'verify',
    grammar: 'run-flags',
    help: "compare every root with every remote by content (rsync --checksum --dry-run,\nwith the full sync's filter and protect rules); reads both trees in full.\nExit 0 identical, 1 something differs, 2 a remote cannot be checked",
  },
  {
    name: 'receiver',
    grammar: 'apart',
    operand: 'init|check ...',
    note: '(on the backup host; see sersync-ts receiver --help)',
  },
  {
    name: 'release-deletes',
    grammar: 'run-flags',
    help: "ship the deletions the mass-deletion brake (<deleteGuard>) holds in the\nrunning agent; --root PATH: only that root's",
  },
  {
    name: 'versions',
    grammar: 'own-flags',
    operand: 'PATH',
    help: 'with <versions> on: list the kept versions of a file or directory on the remote\n(bucket, size, mtime), and what the mirror has now',
  },
  {
    name: 'restore',
    grammar: 'own-flags',
    operand: 'PATH',
    help: 'bring back what PATH held at --at TIME (ISO 8601, or a duration ago: 90m, 2h, 3d),\na directory file by file, into the watched tree (the agent then mirrors it)',
  },
];

/** The command words `grammar` reads. */
export function commandsOf(grammar: CommandGrammar): readonly CommandName[] {
  return COMMANDS.filter((c) => c.grammar === grammar).map((c) => c.name);
}
