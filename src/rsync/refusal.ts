/**
 * Which of rsync's answers mean the RECEIVER said no, as the lane needs to know it: `refused`
 * (auth, hosts, module, chroot, read only: a person must fix the receiving server; retrying
 * cannot help, so the lane probes with backoff instead) or `full` (no space, quota). Anything
 * else is transient for the lane (retry, then down).
 *
 * The one table of answers, who must act and what to check is receiver-answers.ts (issue 19,
 * items 1 and 2); this adapter is the small interface the lane and the startup probe read.
 */
export type ReceiverAnswerKind = 'refused' | 'full';

export interface ReceiverAnswer {
  readonly kind: ReceiverAnswerKind;
  /** The daemon's own words (the `@ERROR` line, or rsync's line naming the error). */
  readonly answer: string;
}

const REFUSED = [/@ERROR: auth failed/i, /@ERROR: access denied/i, /@ERROR: Unknown module/i, /@ERROR: chroot failed/i, /@ERROR: chdir failed/i, /@ERROR: set[ug]id failed/i, /ERROR: module is read only/i];
const FULL = [/No space left on device/i, /Disk quota exceeded/i];

/** What rsync's stderr says the receiver answered; null: nothing the receiver decided. */
export function receiverAnswer(stderr: string): ReceiverAnswer | null {
  const lines = stderr.split('\n');
  for (const [kind, patterns] of [['refused', REFUSED], ['full', FULL]] as const) {
    const line = lines.find((l) => patterns.some((re) => re.test(l)));
    if (line !== undefined) return { kind, answer: line.trim() };
  }
  return null;
}
