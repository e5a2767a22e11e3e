/** The shape of REFUSAL_TABLE's rows (refusal-table.ts) and what they are told. */

/** What the runtime can do about it. */
export type RefusalKind =
  /** This host's own setup (password file, name resolution): a person on this host must act. */
  | 'local'
  /** The receiver answered and refused (auth, hosts, module, path, read only, rights). */
  | 'refused'
  /** The receiver's disk or quota is full: what fits may still go, the rest waits for space. */
  | 'full'
  /** No answer (refused connection, timeout): keep retrying. */
  | 'down'
  /** Anything else: retry with the usual backoff. */
  | 'transient';

export type Side = 'this host' | 'the receiving server' | 'this host or the receiving server' | 'the network';

/** What a row's advice may name; every field is optional (the fail log has no config at hand). */
export interface RefusalContext {
  /** The `<remote name>`: daemon module, or remote directory over ssh. */
  readonly module?: string;
  readonly host?: string;
  readonly user?: string | null;
  readonly passwordFile?: string | null;
  readonly port?: number | null;
  readonly ssh?: boolean;
  /** `-n`: rsync processes this host may open at once. */
  readonly threads?: number;
  /** The confxml.xml file, for advice about this host's config. */
  readonly configFile?: string;
}

export interface RefusalRow {
  readonly id: string;
  readonly kind: RefusalKind;
  readonly who: Side;
  /** Tried against each line of rsync's stderr. */
  readonly match: RegExp;
  /** The probable causes, most likely first, each starting with the side that must act. */
  readonly causes: (c: RefusalContext, m: RegExpExecArray) => readonly string[];
  /** What rsync 3.5.0 printed (exit code and stderr), reproduced against a real daemon. */
  readonly sample: { readonly exitCode: number; readonly stderr: string };
}
