import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from './packages.js';

/** One apt source: a `deb` entry of sources.list(.d) in either format. */
interface AptSource {
  readonly uri: string;
  readonly suites: readonly string[];
}

function deb822(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const f = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z-]+):\s*(.*)$/.exec(line);
      if (m) f.set(m[1]!.toLowerCase(), m[2]!.trim());
    }
    if (!(f.get('types') ?? '').split(/\s+/).includes('deb') || f.get('enabled') === 'no') continue;
    const suites = (f.get('suites') ?? '').split(/\s+/);
    for (const uri of (f.get('uris') ?? '').split(/\s+/).filter(Boolean)) out.push({ uri, suites });
  }
  return out;
}

function oneLine(text: string): AptSource[] {
  const out: AptSource[] = [];
  for (const line of text.split('\n')) {
    const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (m) out.push({ uri: m[1]!, suites: [m[2]!] });
  }
  return out;
}

/**
 * Pure: the Debian mirror among the host's apt sources (file name and text, as in
 * /etc/apt/sources.list and sources.list.d): the first http(s) source of bookworm, else the first
 * whose path ends in /debian (a Debian host of another release); null when there is none (an
 * Ubuntu host). Files other than *.list and *.sources (e.g. *.disabled) are not apt's.
 */
export function debianMirror(files: readonly { name: string; text: string }[]): string | null {
  const sources = files.flatMap((f) =>
    f.name.endsWith('.sources') ? deb822(f.text) : f.name.endsWith('.list') ? oneLine(f.text) : [],
  );
  const web = sources.filter((s) => /^https?:\/\//.test(s.uri));
  const mirror = web.find((s) => s.suites.includes('bookworm')) ?? web.find((s) => /\/debian\/?$/.test(s.uri));
  return mirror ? mirror.uri.replace(/\/$/, '') : null;
}

function hostAptFiles(): { name: string; text: string }[] {
  const out: { name: string; text: string }[] = [];
  if (fs.existsSync('/etc/apt/sources.list'))
    out.push({ name: 'sources.list', text: fs.readFileSync('/etc/apt/sources.list', 'utf8') });
  const d = '/etc/apt/sources.list.d';
  for (const n of fs.existsSync(d) ? fs.readdirSync(d).sort() : [])
    out.push({ name: n, text: fs.readFileSync(path.join(d, n), 'utf8') });
  return out;
}

/** The cached stock Debian 12 root (between runs on this machine), or why there cannot be one. */
export const DEBIAN_ROOT = path.join(
  process.env['TMPDIR'] ?? os.tmpdir(),
  'sersync-ts-test-cache',
  'debootstrap-bookworm',
);
const READY = '.debootstrap-ready';
const STALE_MS = 3 * 24 * 3600 * 1000;

/** Shell text run by `sh -c` in a private mount and pid namespace: its mounts and processes end with it. */
export function inPrivateNamespace(shell: string): ReturnType<typeof run> {
  return run('unshare', ['--mount', '--propagation', 'private', '--pid', '--fork', '--kill-child', 'sh', '-c', shell]);
}

/** Shell text run (set -e) in a private namespace with /proc mounted in `root` (gone with the namespace). */
export function inRoot(root: string, shell: string): ReturnType<typeof run> {
  return inPrivateNamespace(`set -e\nmount -t proc proc '${root}/proc'\n${shell}`);
}

/**
 * A stock `debootstrap --variant=minbase bookworm` root from the mirror of the host's apt
 * sources, with apt's package lists fetched (nothing installed beyond minbase). Built once into a
 * temporary directory and renamed into place; its package lists are refreshed when older than
 * three days (a point release removes the old .debs from the mirror).
 */
export function debianRoot(): { root: string; built: string } | { skip: string } {
  if (process.getuid?.() !== 0) return { skip: 'not root: debootstrap, chroot and mounts need root' };
  for (const tool of ['debootstrap', 'unshare', 'chroot']) {
    if (run('sh', ['-c', `command -v ${tool}`]).code !== 0)
      return { skip: `${tool} is not installed (bash scripts/ensure-deps.sh --for-tests installs it)` };
  }
  const ready = path.join(DEBIAN_ROOT, READY);
  if (fs.existsSync(ready) && Date.now() - fs.statSync(ready).mtimeMs < STALE_MS)
    return { root: DEBIAN_ROOT, built: 'cached' };
  const mirror = debianMirror(hostAptFiles());
  if (!mirror) return { skip: "no Debian mirror in this host's apt sources (/etc/apt/sources.list, sources.list.d)" };
  if (fs.existsSync(ready)) {
    const u = inRoot(
      DEBIAN_ROOT,
      `cp /etc/resolv.conf '${DEBIAN_ROOT}/etc/resolv.conf'\nchroot '${DEBIAN_ROOT}' apt-get update -qq`,
    );
    if (u.code !== 0) throw new Error(`apt-get update in ${DEBIAN_ROOT} failed:\n${u.out}`);
    fs.utimesSync(ready, new Date(), new Date());
    return { root: DEBIAN_ROOT, built: `cached, package lists refreshed from ${mirror}` };
  }
  fs.mkdirSync(path.dirname(DEBIAN_ROOT), { recursive: true });
  const tmp = fs.mkdtempSync(`${DEBIAN_ROOT}.tmp-`);
  try {
    const d = run('debootstrap', ['--variant=minbase', 'bookworm', tmp, mirror]);
    if (d.code !== 0)
      throw new Error(`debootstrap --variant=minbase bookworm from ${mirror} failed:\n${d.out.slice(-4000)}`);
    const u = inRoot(tmp, `cp /etc/resolv.conf '${tmp}/etc/resolv.conf'\nchroot '${tmp}' apt-get update -qq`);
    if (u.code !== 0) throw new Error(`apt-get update in the new root failed:\n${u.out}`);
    fs.writeFileSync(path.join(tmp, READY), `debootstrap --variant=minbase bookworm ${mirror}\n`);
    fs.rmSync(DEBIAN_ROOT, { recursive: true, force: true });
    fs.renameSync(tmp, DEBIAN_ROOT);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return { root: DEBIAN_ROOT, built: `debootstrap from ${mirror}` };
}
