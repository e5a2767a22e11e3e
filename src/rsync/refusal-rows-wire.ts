import type { RefusalRow } from './refusal-types.js';
import { ERR5, q } from './refusal-rows-receiver.js';

/**
 * REFUSAL_TABLE's last rows (refusal-table.ts): the daemon's connection limit, protocol and version
 * mismatches, this side's read errors, no answer on the wire (refused, no route, unknown name, closed)
 * and the daemon's catch-all error. Tried after the receiver's rows.
 */
export const WIRE_ROWS: readonly RefusalRow[] = [
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
