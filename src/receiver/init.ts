/**
 * What `sersync-ts receiver init` writes for the backup host: an rsyncd.conf with the tutorial's
 * options done right (no comment after a value, strict modes, TCP_NODELAY, symlinks kept), the
 * secrets file and the client's password file, a systemd unit when the distribution's cannot be
 * used, and the confxml.xml lines for the source hosts. Pure: texts in, texts out.
 */
import path from 'node:path';

export interface ReceiverPlan {
  readonly module: string;
  /** The directory the module writes to (absolute). */
  readonly path: string;
  /** The `auth users` user (not a system user). */
  readonly user: string;
  readonly password: string;
  /** `hosts allow` entries; empty: every host may connect (the password still guards it). */
  readonly allow: readonly string[];
  readonly port: number | null;
  /** Where the files go. */
  readonly out: string;
  /** Who owns `path`: the daemon writes as them. */
  readonly owner: { readonly user: string; readonly group: string };
}

interface ReceiverFiles {
  readonly conf: string;
  readonly secrets: string;
  readonly clientPassword: string;
  readonly unit: string;
  readonly log: string;
}

/** Files in `/etc` are the system's: the distribution's unit reads /etc/rsyncd.conf. */
export function isSystemOut(out: string): boolean {
  return path.resolve(out) === '/etc';
}

export function receiverFiles(plan: ReceiverPlan): ReceiverFiles {
  const sys = isSystemOut(plan.out);
  return {
    conf: path.join(plan.out, 'rsyncd.conf'),
    secrets: path.join(plan.out, 'rsyncd.secrets'),
    clientPassword: path.join(plan.out, `client-${plan.module}.pas`),
    unit: path.join(plan.out, `sersync-receiver-${plan.module}.service`),
    log: sys ? '/var/log/rsyncd.log' : path.join(plan.out, 'rsyncd.log'),
  };
}

/** What the names may hold: nothing that would end a line or a section of rsyncd.conf. */
export function planProblem(plan: Pick<ReceiverPlan, 'module' | 'path' | 'user' | 'allow'>): string | null {
  if (!/^[A-Za-z0-9._-]+$/.test(plan.module))
    return `--module ${JSON.stringify(plan.module)}: use letters, digits, ".", "_" or "-"`;
  if (!path.isAbsolute(plan.path) || /[\n\r]/.test(plan.path) || plan.path !== plan.path.trim())
    return `--path ${JSON.stringify(plan.path)}: an absolute path without newlines or leading/trailing blanks`;
  if (/\s[#;]/.test(plan.path))
    return `--path ${JSON.stringify(plan.path)}: a " #" in a path reads as a comment to people (rsyncd keeps it): choose another name`;
  if (!/^[A-Za-z0-9._-]+$/.test(plan.user))
    return `--user ${JSON.stringify(plan.user)}: use letters, digits, ".", "_" or "-"`;
  const bad = plan.allow.find((a) => !/^[0-9A-Fa-f:.*?/]+$/.test(a));
  return bad === undefined
    ? null
    : `--allow ${JSON.stringify(bad)}: expected an address or network (192.168.2.0/24, 2001:db8::/32)`;
}

export function renderConf(plan: ReceiverPlan): string {
  const f = receiverFiles(plan);
  const lines = [
    '# rsyncd.conf for the sersync-ts receiver, written by "sersync-ts receiver init".',
    '# Comments go on lines of their own: rsyncd.conf keeps a "#" after a value as part of it',
    '# ("read only = no # x" is a "Badly formed boolean" and leaves the module read-only).',
    '# After any edit: sersync-ts receiver check --config THIS-FILE --from SOURCE-ADDRESS',
    '',
    '# The daemon (root) writes inside a chroot of the module path, as the path owner.',
    'use chroot = yes',
    '# Symlinks are stored as they are (the chroot confines them).',
    'munge symlinks = no',
    '# A secrets file others can read is refused.',
    'strict modes = yes',
    '# No delayed-ACK wait (about 40 ms) on each small transfer.',
    'socket options = TCP_NODELAY',
    '# hosts allow holds addresses: no reverse DNS lookup per connection.',
    'reverse lookup = no',
    '# 0: no limit. A limit must leave room for each source host -n rsyncs plus one probe.',
    'max connections = 0',
    '# A client silent this long (seconds) is dropped.',
    'timeout = 600',
    `log file = ${f.log}`,
    ...(plan.port !== null ? [`port = ${plan.port}`] : []),
    '',
    `[${plan.module}]`,
    'comment = sersync-ts mirror',
    `path = ${plan.path}`,
    `uid = ${plan.owner.user}`,
    `gid = ${plan.owner.group}`,
    'read only = no',
    '# Listed: a host that hosts allow refuses is told "access denied", not "Unknown module".',
    'list = yes',
    `auth users = ${plan.user}`,
    `secrets file = ${f.secrets}`,
    ...(plan.allow.length > 0 ? [`hosts allow = ${plan.allow.join(' ')}`] : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** A systemd word: quoted, with `\`, `"` and `%` escaped. */
function unitWord(w: string): string {
  return `"${w.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

export function renderUnit(plan: ReceiverPlan, rsyncBinary: string): string {
  const conf = receiverFiles(plan).conf;
  return [
    '[Unit]',
    `Description=rsync daemon receiving sersync-ts mirrors (module ${plan.module})`,
    'Wants=network-online.target',
    'After=network-online.target',
    '',
    '[Service]',
    `ExecStart=${unitWord(rsyncBinary)} --daemon --no-detach ${unitWord(`--config=${conf}`)}`,
    'Restart=on-failure',
    'RestartSec=5',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

/** The lines each source host puts in its confxml.xml. */
export function confxmlLines(plan: ReceiverPlan, host: string): string[] {
  const attr = (v: string): string => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return [
    `<remote ip="${attr(host)}" name="${attr(plan.module)}"/>`,
    `<auth start="true" users="${attr(plan.user)}" passwordfile="/etc/rsync.pas"/>`,
    ...(plan.port !== null ? [`<userDefinedPort start="true" port="${plan.port}"/>`] : []),
  ];
}
