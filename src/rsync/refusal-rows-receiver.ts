import type { RefusalContext, RefusalRow } from './refusal-types.js';

/** Shared with the wire's rows: a quoted name, or what to call it when the config has none. */
export const q = (s: string | null | undefined, dflt: string): string => (s ? JSON.stringify(s) : dflt);
const pwFile = (c: RefusalContext): string =>
  c.passwordFile ? `the password file ${c.passwordFile}` : 'the password file (<auth passwordfile>)';
const user = (c: RefusalContext): string => q(c.user, 'the <auth users> user');
export const ERR5 = 'rsync error: error starting client-server protocol (code 5) at main.c(1954) [sender=3.5.0]';
const PATH_CAUSE =
  'the receiving server: the module\'s "path" must be an existing directory; a "#" comment on the path\'s line becomes part of the path (put comments on lines of their own; rsyncd\'s log shows the path it tried)';

/**
 * REFUSAL_TABLE's first rows (refusal-table.ts): this host's password file, then what the
 * receiving daemon refused (login, hosts, module, path, user ids, writes) and a full disk.
 * Tried in this order, before the wire's rows.
 */
/** The daemon could not chroot or chdir into the module's path: the same causes for both. */
function pathRow(step: 'chroot' | 'chdir'): RefusalRow {
  return {
    id: `${step}-failed`,
    kind: 'refused',
    who: 'the receiving server',
    match: new RegExp(`@ERROR: ${step} failed`),
    causes: () => [PATH_CAUSE],
    sample: { exitCode: 5, stderr: `@ERROR: ${step} failed\n${ERR5}` },
  };
}

export const RECEIVER_ROWS: readonly RefusalRow[] = [
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
  pathRow('chroot'),
  pathRow('chdir'),
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
    // Measured against Debian 12's rsync 3.2.7-1+deb12u6 as the daemon (bookworm's main archive in
    // 2026): every run that lists a missing path after an existing one dies, files and all.
    id: 'missing-args-rejected',
    kind: 'refused',
    who: 'the receiving server',
    match: /invalid file mode 0+ for .*\[[Rr]eceiver\]/,
    causes: () => [
      "the receiving server: its rsync rejects the deletions sersync-ts sends (--delete-missing-args lists a deleted path with file mode 0, and the mode check added by rsync 3.4.3's security fixes, also patched into older distribution rsyncs such as Debian 12's 3.2.7-1+deb12u6, refuses it: rsync issue #910): install an rsync with the fix there (3.5.0 has it; on Debian 12 it is in bookworm-security); until then the agent deletes through the deleted paths' directories, except with filter options in <commonParams>, where every batch with a deletion fails and its changes wait in the journal",
    ],
    sample: {
      exitCode: 2,
      stderr:
        'invalid file mode 00 for gone [Receiver]\nrsync error: protocol incompatibility (code 2) at flist.c(874) [Receiver=3.2.7]',
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
];
