/**
 * What each answer of an rsync daemon (or of the wire to it) means, and who must act on it: the
 * rows refusals.ts classifies an rsync result into. One row per answer, in the order they are
 * tried (the first row whose pattern matches one of rsync's lines wins: `module is read only`
 * comes with a `Connection reset` line that must not hide it). Each row carries the stderr that
 * rsync 3.5.0 really printed for it (its unit test feeds that sample back), and the probable
 * causes, most likely first, each naming the side that must act. Pure data.
 */

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

const q = (s: string | null | undefined, dflt: string): string => (s ? JSON.stringify(s) : dflt);
const pwFile = (c: RefusalContext): string =>
  c.passwordFile ? `the password file ${c.passwordFile}` : 'the password file (<auth passwordfile>)';
const user = (c: RefusalContext): string => q(c.user, 'the <auth users> user');
const ERR5 = 'rsync error: error starting client-server protocol (code 5) at main.c(1954) [sender=3.5.0]';
const PATH_CAUSE =
  'the receiving server: the module\'s "path" must be an existing directory; a "#" comment on the path\'s line becomes part of the path (put comments on lines of their own; rsyncd\'s log shows the path it tried)';

export const REFUSAL_TABLE: readonly RefusalRow[] = [
  {
    id: 'password-file-mode',
    kind: 'local',
    who: 'this host',
    match: /password file must not be other-accessible/,
    causes: (c) => [`this host: chmod 600 ${pwFile(c)}, owned by the user sersync-ts runs as`],
    sample: {
      exitCode: 1,
      stderr:
        'ERROR: password file must not be other-accessible\nrsync error: syntax or usage error (code 1) at authenticate.c(261) [sender=3.5.0]',
    },
  },
  {
    id: 'password-file-missing',
    kind: 'local',
    who: 'this host',
    match: /could not open password file/,
    causes: (c) => [
      `this host: ${pwFile(c)} must exist and be readable by the user sersync-ts runs as (mode 600, holding only the password)`,
    ],
    sample: {
      exitCode: 1,
      stderr:
        'rsync: [sender] could not open password file /etc/rsync.pas: No such file or directory (2)\nrsync error: syntax or usage error (code 1) at authenticate.c(247) [sender=3.5.0]',
    },
  },
  {
    id: 'auth-failed',
    kind: 'refused',
    who: 'this host or the receiving server',
    match: /@ERROR: auth failed on module/,
    causes: (c) => [
      `this host: ${pwFile(c)} must hold exactly the password of ${user(c)} in the server's secrets file (one line, nothing else)`,
      'the receiving server: the secrets file must be mode 600 and owned by root (with "strict modes = yes", the default, rsyncd ignores a secrets file others can read: its log says "secrets file must not be other-accessible")',
      `the receiving server: the module's "auth users" must list ${user(c)} and its "secrets file" hold a ${c.user ? JSON.stringify(`${c.user}:PASSWORD`) : '"user:PASSWORD"'} line`,
    ],
    sample: { exitCode: 5, stderr: `@ERROR: auth failed on module www\n${ERR5}` },
  },
  {
    id: 'access-denied',
    kind: 'refused',
    who: 'the receiving server',
    match: /@ERROR: access denied to \S+ from (.*)$/,
    causes: (_c, m) => [
      `the receiving server: the module's (or the global) "hosts allow" must include this host as the server sees it, ${m[1]!.trim()}, and "hosts deny" must not match it`,
    ],
    sample: { exitCode: 5, stderr: `@ERROR: access denied to www from localhost (127.0.0.1)\n${ERR5}` },
  },
  {
    id: 'unknown-module',
    kind: 'refused',
    who: 'this host or the receiving server',
    match: /@ERROR: Unknown module '(.*)'/,
    causes: (c, m) => [
      `this host: <remote name="${m[1]}"> in ${c.configFile ?? 'confxml.xml'} must name one of the server's [modules] exactly (case counts)`,
      `the receiving server: rsyncd.conf must have a [${m[1]}] section (it is read again for each connection: no restart needed)`,
      `the receiving server: a module with "list = no" answers "Unknown module" to a host its "hosts allow"/"hosts deny" refuses: check those too`,
    ],
    sample: { exitCode: 5, stderr: `@ERROR: Unknown module 'www'\n${ERR5}` },
  },
  {
    id: 'chroot-failed',
    kind: 'refused',
    who: 'the receiving server',
    match: /@ERROR: chroot failed/,
    causes: () => [PATH_CAUSE],
    sample: { exitCode: 5, stderr: `@ERROR: chroot failed\n${ERR5}` },
  },
  {
    id: 'chdir-failed',
    kind: 'refused',
    who: 'the receiving server',
    match: /@ERROR: chdir failed/,
    causes: () => [PATH_CAUSE],
    sample: { exitCode: 5, stderr: `@ERROR: chdir failed\n${ERR5}` },
  },
  {
    id: 'invalid-uid',
    kind: 'refused',
    who: 'the receiving server',
    match: /@ERROR: invalid ([ug]id) (.*)$/,
    causes: (_c, m) => [
      `the receiving server: the module's "${m[1]}" names ${JSON.stringify(m[2]!.trim())}, which does not exist there: name the owner of the module's path`,
    ],
    sample: { exitCode: 5, stderr: `@ERROR: invalid uid nosuchuser\n${ERR5}` },
  },
  {
    id: 'setid-failed',
    kind: 'refused',
    who: 'the receiving server',
    match: /@ERROR: (set[ug]id|setgroups) failed/,
    causes: () => [
      'the receiving server: the daemon must run as root to switch to the module\'s "uid"/"gid" (or drop "uid" and "gid" to write as the daemon\'s own user)',
    ],
    sample: { exitCode: 5, stderr: `@ERROR: setuid failed\n${ERR5}` },
  },
  {
    id: 'read-only',
    kind: 'refused',
    who: 'the receiving server',
    match: /module is read only/,
    causes: () => [
      'the receiving server: set "read only = no" in the module, on a line of its own: "read only = false # comment" is a "Badly formed boolean" (rsyncd\'s log says so) that leaves the module read-only',
    ],
    sample: {
      exitCode: 1,
      stderr:
        'ERROR: module is read only\nrsync error: syntax or usage error (code 1) at main.c(1185) [Receiver=3.5.0]\nrsync: [sender] read error: Connection reset by peer (104)',
    },
  },
  {
    id: 'receiver-permission',
    kind: 'refused',
    who: 'the receiving server',
    match: /\[(?:receiver|generator|Receiver)\].*(?:Permission denied|Operation not permitted)/,
    causes: (c) => [
      c.ssh
        ? `the receiving server: ${q(c.user, 'the ssh user')} must own (or be able to write) the remote directory ${q(c.module, '')}`
        : 'the receiving server: the module\'s "path" must be owned and writable by the daemon\'s "uid"/"gid" (chown -R them, or set uid/gid to its owner; a root daemon without "uid" writes as nobody)',
    ],
    sample: {
      exitCode: 23,
      stderr:
        'rsync: [generator] failed to set times on "." (in www): Operation not permitted (1)\nrsync: [receiver] mkstemp ".a.txt.ycSeyT" (in www) failed: Permission denied (13)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [sender=3.5.0]',
    },
  },
  {
    id: 'no-space',
    kind: 'full',
    who: 'the receiving server',
    match: /No space left on device|Disk quota exceeded|quota exceeded/i,
    causes: () => [
      "the receiving server: free space on the filesystem of the module's path (df -h PATH), or raise the quota of the user it writes as",
    ],
    sample: {
      exitCode: 11,
      stderr:
        'rsync: [receiver] write failed on "big.bin" (in www): No space left on device (28)\nrsync error: error in file IO (code 11) at receiver.c(657) [receiver=3.5.0]',
    },
  },
  {
    id: 'max-connections',
    kind: 'transient',
    who: 'the receiving server',
    match: /@ERROR: max connections \((\d+)\) reached/,
    causes: (c, m) => [
      `the receiving server: raise the module's "max connections" (now ${m[1]}) to at least ${c.threads ?? "this host's -n"} plus its other clients (or 0: no limit), or run sersync-ts with a lower -n`,
    ],
    sample: { exitCode: 5, stderr: `@ERROR: max connections (1) reached -- try again later\n${ERR5}` },
  },
  {
    id: 'protocol-mismatch',
    kind: 'refused',
    who: 'the receiving server',
    match: /protocol version mismatch|is your shell clean/,
    causes: () => [
      'the receiving server: the remote login prints text (an echo in .bashrc or the like): a non-interactive login must print nothing',
    ],
    sample: {
      exitCode: 2,
      stderr:
        'protocol version mismatch -- is your shell clean?\n(see the rsync manpage for an explanation)\nrsync error: protocol incompatibility (code 2) at compat.c(622) [sender=3.5.0]',
    },
  },
  {
    id: 'rsync-too-old',
    kind: 'refused',
    who: 'the receiving server',
    match: /on remote machine: .*unknown option|requested action not supported/,
    causes: () => [
      'the receiving server: install rsync 3.1 or later (sersync-ts needs --delete-missing-args on both ends)',
    ],
    sample: {
      exitCode: 1,
      stderr:
        'rsync: on remote machine: --delete-missing-args: unknown option\nrsync error: syntax or usage error (code 1) at main.c(1596) [server=3.0.9]',
    },
  },
  {
    id: 'sender-permission',
    kind: 'transient',
    who: 'this host',
    match: /\[sender\].*Permission denied/,
    causes: () => [
      "this host: the user sersync-ts runs as must be able to read every watched file (run it as that files' owner, or as root)",
    ],
    sample: {
      exitCode: 23,
      stderr:
        'rsync: [sender] send_files failed to open "/var/www/a.txt": Permission denied (13)\nrsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1394) [sender=3.5.0]',
    },
  },
  {
    id: 'connection-refused',
    kind: 'down',
    who: 'the receiving server',
    match: /Connection refused/,
    causes: (c) => [
      `the receiving server: is ${c.ssh ? 'sshd' : 'the rsync daemon'} running (systemctl status ${c.ssh ? 'sshd' : 'rsync'}) and listening on ${c.host ?? 'its address'} port ${c.port ?? (c.ssh ? 22 : 873)}?`,
    ],
    sample: {
      exitCode: 10,
      stderr:
        'rsync: [sender] failed to connect to 127.0.0.1 (127.0.0.1): Connection refused (111)\nrsync error: error in socket IO (code 10) at clientserver.c(165) [sender=3.5.0]',
    },
  },
  {
    id: 'no-route',
    kind: 'down',
    who: 'the network',
    match: /timed out|timeout waiting for daemon connection|No route to host|Network is unreachable/i,
    causes: (c) => [
      `the network: a firewall between this host and ${c.host ?? 'the receiver'} port ${c.port ?? (c.ssh ? 22 : 873)}, or that host is down`,
    ],
    sample: {
      exitCode: 35,
      stderr: 'rsync error: timeout waiting for daemon connection (code 35) at socket.c(278) [sender=3.5.0]',
    },
  },
  {
    id: 'name-unknown',
    kind: 'down',
    who: 'this host',
    match: /Name or service not known|Temporary failure in name resolution|Could not resolve/,
    causes: (c) => [
      `this host: ${q(c.host, 'the <remote ip>')} does not resolve here: fix the name in ${c.configFile ?? 'confxml.xml'} or this host's DNS (/etc/hosts)`,
    ],
    sample: {
      exitCode: 10,
      stderr:
        'rsync: getaddrinfo: backup.invalid 873: Name or service not known\nrsync error: error in socket IO (code 10) at clientserver.c(165) [sender=3.5.0]',
    },
  },
  {
    id: 'connection-closed',
    kind: 'transient',
    who: 'the receiving server',
    match: /connection unexpectedly closed|Connection reset by peer|error in rsync protocol data stream/,
    causes: () => ['the receiving server: its rsyncd log (or syslog) says why it ended the connection'],
    sample: {
      exitCode: 12,
      stderr:
        'rsync: connection unexpectedly closed (0 bytes received so far) [sender]\nrsync error: error in rsync protocol data stream (code 12) at io.c(232) [sender=3.5.0]',
    },
  },
  {
    id: 'daemon-error',
    kind: 'refused',
    who: 'the receiving server',
    match: /@ERROR: (.*)$/,
    causes: () => ['the receiving server: the rsync daemon refused; its log says why'],
    sample: { exitCode: 5, stderr: `@ERROR: daemon security issue -- contact admin\n${ERR5}` },
  },
];
