/**
 * `sersync-ts receiver check`: what in an rsyncd.conf will make the daemon refuse sersync-ts, each
 * a finding on one line naming the file, the line and what to do. The facts about the disk and
 * the users come in through LintFacts, so the rules themselves are pure.
 */
import { listMatches } from './hosts.js';
import { param, parseBool, type ConfParam, type ConfSection, type RsyncdConf } from './rsyncd-conf.js';

export interface FileFacts {
  readonly isDir: boolean;
  readonly uid: number;
  readonly gid: number;
  readonly mode: number;
}

export interface LintFacts {
  stat(path: string): FileFacts | null;
  read(path: string): string | null;
  /** A user name (or number) → uid; null when it does not exist. */
  uid(name: string): number | null;
  gid(name: string): number | null;
}

interface LintOptions {
  /** `--from ADDR`: the source host's address as the daemon will see it. */
  readonly from: string | null;
  /** `--threads N`: the agents' -n. @default 10 */
  readonly threads: number;
  /** The daemon runs as root (the distribution's unit does). @default true */
  readonly daemonRoot: boolean;
}

interface Finding {
  readonly level: 'error' | 'warning';
  readonly line: number;
  readonly module: string | null;
  readonly text: string;
}

type Add = (level: Finding['level'], p: { readonly line: number } | null, text: string) => void;

const BOOLEANS = new Set([
  'readonly',
  'writeonly',
  'usechroot',
  'list',
  'strictmodes',
  'mungesymlinks',
  'numericids',
  'reverselookup',
  'transferlogging',
  'ignoreerrors',
  'ignorenonreadable',
  'fakesuper',
]);

/** A `#` after a value is part of it: what that does to this parameter. */
function sameLineComment(p: ConfParam, key: string): string | null {
  if (!/\s[#;]/.test(p.value)) return null;
  const what = BOOLEANS.has(key)
    ? `a "Badly formed boolean" that rsyncd ignores (it keeps the default${key === 'readonly' ? ': the module stays read-only' : ''})`
    : key === 'path'
      ? `the path becomes ${JSON.stringify(p.value)} ("chroot failed" / "chdir failed")`
      : `the comment becomes part of the value ${JSON.stringify(p.value)}`;
  return `"${p.name} = ${p.value}": a "#" after a value is not a comment in rsyncd.conf, ${what}: move the comment to a line of its own`;
}

export function lintConf(conf: RsyncdConf, facts: LintFacts, opts: LintOptions): Finding[] {
  const out: Finding[] = [];
  const adder =
    (module: string | null): Add =>
    (level, p, text) =>
      out.push({ level, line: p?.line ?? 0, module, text });
  const g = adder(null);
  for (const [key, p] of conf.global.params) {
    const c = sameLineComment(p, key);
    if (c) g('error', p, c);
  }
  if (conf.modules.length === 0)
    g('error', null, 'no [module] section: sersync-ts needs one to write to (sersync-ts receiver init writes one)');
  const sock = conf.global.params.get('socketoptions');
  if (!sock || !/TCP_NODELAY/i.test(sock.value))
    g(
      'warning',
      sock ?? null,
      'no "socket options = TCP_NODELAY": each small transfer waits ~40 ms on a delayed ACK; add it to the global section',
    );
  for (const mod of conf.modules) lintModule(conf, mod, facts, opts, adder(mod.module));
  return out;
}

function lintModule(conf: RsyncdConf, mod: ConfSection, facts: LintFacts, opts: LintOptions, add: Add): void {
  for (const [key, p] of mod.params) {
    const c = sameLineComment(p, key);
    if (c) add('error', p, c);
  }
  const ro = param(conf, mod, 'read only');
  if (!ro)
    add(
      'error',
      mod,
      'no "read only = no": a module is read-only by default and every transfer fails "module is read only"',
    );
  else if (parseBool(ro.value) === true)
    add('error', ro, `"${ro.name} = ${ro.value}": sersync-ts writes here: set "read only = no"`);
  else if (parseBool(ro.value) === null && !/\s[#;]/.test(ro.value))
    add(
      'error',
      ro,
      `"${ro.name} = ${ro.value}" is a "Badly formed boolean": the module stays read-only: write "read only = no"`,
    );
  lintPath(conf, mod, facts, opts, add);
  lintAuth(conf, mod, facts, opts, add);
  lintAccess(conf, mod, opts, add);
  lintChroot(conf, mod, opts, add);
  const max = param(conf, mod, 'max connections');
  const n = max ? Number(max.value) : 0;
  if (max && n > 0 && n < opts.threads + 1)
    add(
      'error',
      max,
      `"max connections = ${max.value}" is below what sersync-ts -n ${opts.threads} needs (${opts.threads} rsyncs at once plus a probe): set it to at least ${opts.threads + 1} per source host, or 0 (no limit)`,
    );
  const strict = param(conf, mod, 'strict modes');
  if (strict && parseBool(strict.value) === false)
    add(
      'warning',
      strict,
      '"strict modes = no": rsyncd then accepts a secrets file others can read; set "strict modes = yes" and chmod 600 the secrets file',
    );
}

/** Who the daemon writes as: `uid`/`gid`, else nobody/nogroup for a root daemon, else itself. */
function writer(
  conf: RsyncdConf,
  mod: ConfSection,
  facts: LintFacts,
  opts: LintOptions,
  add: Add,
): { uid: number; gid: number; who: string } | null {
  const u = param(conf, mod, 'uid');
  const gr = param(conf, mod, 'gid');
  const uname = u?.value ?? (opts.daemonRoot ? 'nobody' : null);
  const gname = gr?.value ?? (opts.daemonRoot ? 'nogroup' : null);
  if (uname === null || gname === null) return null;
  const uid = facts.uid(uname);
  const gid = facts.gid(gname) ?? (gr ? null : facts.gid('nobody'));
  if (uid === null)
    add(
      'error',
      u ?? mod,
      `uid ${JSON.stringify(uname)} is not a user on this host ("@ERROR: invalid uid"): name the owner of the module's path`,
    );
  if (gid === null)
    add(
      'error',
      gr ?? mod,
      `gid ${JSON.stringify(gname)} is not a group on this host ("@ERROR: invalid gid"): name the group of the module's path`,
    );
  return uid === null || gid === null ? null : { uid, gid, who: `${uname}:${gname}` };
}

function writable(f: FileFacts, uid: number, gid: number): boolean {
  if (uid === 0) return true;
  if (f.uid === uid) return (f.mode & 0o300) === 0o300;
  if (f.gid === gid) return (f.mode & 0o030) === 0o030;
  return (f.mode & 0o003) === 0o003;
}

function lintPath(conf: RsyncdConf, mod: ConfSection, facts: LintFacts, opts: LintOptions, add: Add): void {
  const p = mod.params.get('path');
  const w = writer(conf, mod, facts, opts, add);
  if (!p || p.value === '') return add('error', mod, 'no "path": the module needs the directory it writes to');
  if (/\s[#;]/.test(p.value)) return; // said above: the comment is part of the path
  const f = facts.stat(p.value);
  if (!f)
    return add(
      'error',
      p,
      `path ${p.value} does not exist ("@ERROR: chroot failed" / "chdir failed"): mkdir -p ${p.value}${w ? ` && chown ${w.who} ${p.value}` : ''}`,
    );
  if (!f.isDir) return add('error', p, `path ${p.value} is not a directory`);
  if (w && !writable(f, w.uid, w.gid))
    add(
      'error',
      p,
      `the daemon writes as ${w.who} but ${p.value} is owned by ${f.uid}:${f.gid} mode ${(f.mode & 0o777).toString(8)} ("Permission denied"): chown -R ${w.who} ${p.value}`,
    );
}

function lintAuth(conf: RsyncdConf, mod: ConfSection, facts: LintFacts, opts: LintOptions, add: Add): void {
  const users = param(conf, mod, 'auth users');
  if (!users || users.value === '')
    return add(
      'warning',
      mod,
      'no "auth users": anyone "hosts allow" lets in can write here; add "auth users" and a "secrets file"',
    );
  const sf = param(conf, mod, 'secrets file');
  if (!sf) return add('error', users, '"auth users" without a "secrets file": every login fails "auth failed"');
  const st = facts.stat(sf.value);
  const text = facts.read(sf.value);
  if (!st || text === null)
    return add('error', sf, `secrets file ${sf.value} cannot be read: every login fails "auth failed"`);
  const strict = param(conf, mod, 'strict modes');
  if ((st.mode & 0o006) !== 0 && (!strict || parseBool(strict.value) !== false))
    add(
      'error',
      sf,
      `secrets file ${sf.value} is mode ${(st.mode & 0o777).toString(8)}: with "strict modes" (the default) rsyncd ignores a secrets file others can read and every login fails "auth failed": chmod 600 ${sf.value}`,
    );
  if (opts.daemonRoot && st.uid !== 0)
    add(
      'error',
      sf,
      `secrets file ${sf.value} is owned by uid ${st.uid}: a daemon running as root wants it owned by root: chown root ${sf.value}`,
    );
  const known = new Set(
    text
      .split('\n')
      .map((l) => l.split(':')[0]!.trim())
      .filter((x) => x !== '' && !x.startsWith('#')),
  );
  for (const u of users.value.split(/[\s,]+/).filter((x) => x !== '')) {
    const name = u.replace(/:(ro|rw|deny)$/i, '');
    if (!name.startsWith('@') && !known.has(name))
      add(
        'error',
        users,
        `auth user ${JSON.stringify(name)} has no "${name}:PASSWORD" line in ${sf.value}: every login as ${name} fails "auth failed"`,
      );
  }
}

/** rsyncd's rule: an allow list alone admits only its hosts; a deny list alone refuses its own; with both, allow wins. */
function lintAccess(conf: RsyncdConf, mod: ConfSection, opts: LintOptions, add: Add): void {
  if (opts.from === null) return;
  const allow = param(conf, mod, 'hosts allow');
  const deny = param(conf, mod, 'hosts deny');
  const a = allow && allow.value !== '' ? listMatches(allow.value, opts.from) : null;
  const d = deny && deny.value !== '' ? listMatches(deny.value, opts.from) : null;
  if (a === 'unknown' || (a !== true && d === 'unknown'))
    return add(
      'warning',
      allow ?? deny,
      `host names in "hosts allow"/"hosts deny" are matched after a reverse lookup of ${opts.from}: cannot tell here whether it gets in`,
    );
  const list = param(conf, mod, 'list');
  const hidden = list !== null && parseBool(list.value) === false;
  const told = hidden ? '"@ERROR: Unknown module" (the module has "list = no")' : '"@ERROR: access denied"';
  if (a === false)
    return add(
      'error',
      allow,
      `"hosts allow = ${allow!.value}" leaves out ${opts.from} (${told}): add it (or its network, e.g. ${opts.from}/32)`,
    );
  if (a !== true && d === true)
    add(
      'error',
      deny,
      `"hosts deny = ${deny!.value}" refuses ${opts.from} (${told}): list ${opts.from} in "hosts allow"`,
    );
}

function lintChroot(conf: RsyncdConf, mod: ConfSection, opts: LintOptions, add: Add): void {
  const chroot = param(conf, mod, 'use chroot');
  const munge = param(conf, mod, 'munge symlinks');
  const on = chroot ? parseBool(chroot.value) !== false : true;
  if (on && !opts.daemonRoot)
    add(
      'error',
      chroot ?? mod,
      '"use chroot" needs a daemon running as root ("@ERROR: chroot failed"): run it as root or set "use chroot = no"',
    );
  const munged = munge ? parseBool(munge.value) === true : !on;
  if (munged)
    add(
      'warning',
      munge ?? chroot ?? mod,
      `${munge ? '"munge symlinks = yes"' : '"use chroot = no" without "munge symlinks = no"'}: symlinks are stored with a "/rsyncd-munged/" prefix and do not work in the backup; with "use chroot = yes" (a root daemon) set "munge symlinks = no"`,
    );
}

/** `rsyncd.conf:12: [www] ERROR ...` */
export function findingLine(file: string, f: Finding): string {
  return `${f.level === 'error' ? 'ERROR' : 'WARN '} ${file}${f.line > 0 ? `:${f.line}` : ''}: ${f.module !== null ? `[${f.module}] ` : ''}${f.text}`;
}
