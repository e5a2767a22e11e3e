/**
 * Words of the rsync argv that the unit tables expect (rsync/args.test.ts, plan-transfer.test.ts),
 * named once. Each is a literal: the tables still spell out what rsync gets, in parts.
 */

/** A batch's words up to the deletion words, for commonParams `common` (default -artz). */
export const batch = (...common: string[]): string[] => [
  ...(common.length ? common : ['-artz']),
  '-R',
  '-r',
  '--files-from=-',
  '--from0',
  '--ignore-times',
];

/** The same for a batch that sends directories recursively: compared by content (rsync/args.ts). */
export const batchR = (...common: string[]): string[] =>
  batch(...common).map((w) => (w === '--ignore-times' ? '--checksum' : w));

/** An attribute-only run's words up to the transport. */
export const dirsOnly = (...common: string[]): string[] => [
  ...common,
  '-R',
  '--no-recursive',
  '--dirs',
  '--files-from=-',
  '--from0',
  '--ignore-missing-args',
];

export const DELETE = ['--delete', '--delete-missing-args', '--force'];

/** A deleting run with --fuzzy deletes at its end (rsync/option-words.ts deleteDelay: renames keep their basis). */
export const DELETE_FUZZY = ['--delete', '--delete-delay', '--delete-missing-args', '--force'];
