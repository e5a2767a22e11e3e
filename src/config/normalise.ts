/*
 * The element tree of a confxml.xml becomes the frozen SersyncConfig. About 300 lines: it walks sersync's whole format in one pass, in the order of the sample file, so a reader can
 * hold the file and this side by side; each element's own rules are a few lines, and the larger
 * parts (the plugins, the readers of typed attributes) are in plugins.ts and reader.ts.
 */
import type { DiskProbe } from './disk.js';
import { ConfigReader } from './reader.js';
import { readPlugins } from './plugins.js';
import { readDeleteGuard } from './delete-guard.js';
import { readVersions } from './versions.js';
import type {
  AuthConfig,
  ConfigProblem,
  CrontabConfig,
  DebounceConfig,
  FailLogConfig,
  FilterConfig,
  InotifyToggles,
  Remote,
  RsyncConfig,
  SersyncConfig,
  VerifyConfig,
  WatchRoot,
} from './types.js';
import { readHost, readInt, readSwitch, regexError } from './values.js';
import { hasUpdateFlag, splitWords } from './words.js';
import type { XmlElement } from './xml.js';

interface NormaliseResult {
  readonly config: SersyncConfig | null;
  readonly problems: readonly ConfigProblem[];
  readonly warnings: readonly ConfigProblem[];
}

/** sersync 2.5.4's sample toggles: the defaults when `<inotify>` or a child is missing. */
const DEFAULT_TOGGLES: InotifyToggles = {
  delete: true,
  createFolder: true,
  createFile: false,
  closeWrite: true,
  moveFrom: true,
  moveTo: true,
  attrib: false,
  modify: false,
};

const DEFAULT_DEBOUNCE: DebounceConfig = { delayMs: 20, maxDelayMs: 1000, maxPathsPerDir: 1000, maxPendingPaths: 100_000 };

/**
 * Element tree → frozen config, collecting every problem (never stopping at the first).
 * Pure apart from the injected disk probe (null skips disk checks).
 */
export function normalise(root: XmlElement, file: string, disk: DiskProbe | null): NormaliseResult {
  const r = new ConfigReader(file);
  if (root.name !== 'head') {
    r.problem(root.line, root.name, `the root element must be <head> (sersync's format), got <${root.name}>`);
    return { config: null, problems: r.problems, warnings: r.warnings };
  }
  r.attr(root, 'version');
  const host = readHost(r, root);
  const debug = readSwitch(r, r.child(root, 'debug'), 'start', 'debug', false);
  const xfs = readSwitch(r, r.child(root, 'fileSystem'), 'xfs', 'fileSystem', false);
  const filter = readFilter(r, root);
  const inotify = readToggles(r, root);
  const sersync = r.child(root, 'sersync');
  if (!sersync) r.problem(root.line, 'sersync', 'missing <sersync> section: nothing to watch (add <sersync><localpath watch="/dir"><remote ip=... name=.../></localpath></sersync>)');
  const rsync = readRsync(r, sersync, disk);
  const roots = readRoots(r, sersync, rsync.ssh, disk);
  const failLog = readFailLog(r, sersync, disk);
  const crontab = readCrontab(r, sersync);
  const debounce = readDebounce(r, sersync);
  const [verify, deleteGuard] = [readVerify(r, sersync), readDeleteGuard(r, sersync)];
  const plugins = readPlugins(r, root, sersync, roots.map((x) => x.path));
  r.warnUnknown(root);
  const config: SersyncConfig = { file, host, debug, xfs, filter, inotify, roots, rsync, failLog, crontab, debounce, verify, deleteGuard, plugins };
  return { config: r.problems.length === 0 ? deepFreeze(config) : null, problems: r.problems, warnings: r.warnings };
}

function readFilter(r: ConfigReader, root: XmlElement): FilterConfig {
  const el = r.child(root, 'filter');
  const enabled = readSwitch(r, el, 'start', 'filter', false);
  const excludes: string[] = [];
  for (const ex of r.children(el, 'exclude')) {
    const expr = r.attr(ex, 'expression');
    if (expr === undefined || expr === '') {
      r.warn(ex.line, 'filter/exclude@expression', 'empty expression, ignored');
      continue;
    }
    const err = regexError(expr);
    if (err) {
      if (enabled) r.problem(ex.line, 'filter/exclude@expression', `invalid regular expression ${JSON.stringify(expr)}: ${err}`);
      else r.warn(ex.line, 'filter/exclude@expression', `invalid regular expression ${JSON.stringify(expr)} (the filter is off): ${err}`);
      continue;
    }
    excludes.push(expr);
  }
  return { enabled: enabled && excludes.length > 0, excludes };
}

function readToggles(r: ConfigReader, root: XmlElement): InotifyToggles {
  const el = r.child(root, 'inotify');
  const out = { ...DEFAULT_TOGGLES };
  for (const key of Object.keys(DEFAULT_TOGGLES) as (keyof InotifyToggles)[]) {
    const c = r.child(el, key);
    out[key] = readSwitch(r, c, 'start', `inotify/${key}`, DEFAULT_TOGGLES[key]);
  }
  return out;
}

function readRsync(r: ConfigReader, sersync: XmlElement | undefined, disk: DiskProbe | null): RsyncConfig {
  const el = r.child(sersync, 'rsync');
  const cpEl = r.child(el, 'commonParams');
  const rawParams = r.attr(cpEl, 'params') ?? '-artuz';
  let commonParams = splitWords(rawParams);
  if (commonParams === null) {
    r.problem(cpEl?.line ?? 0, 'sersync/rsync/commonParams@params', `unbalanced quote in ${JSON.stringify(rawParams)}`);
    commonParams = [];
  }
  if (hasUpdateFlag(commonParams)) {
    r.warn(cpEl?.line ?? el?.line ?? 0, 'sersync/rsync/commonParams@params', `"${rawParams}" has -u (--update): a file that is newer on the remote is then never overwritten, so the mirror can diverge; consider removing the u`);
  }
  const sshEl = r.child(el, 'ssh');
  const ssh = readSwitch(r, sshEl, 'start', 'sersync/rsync/ssh', false);
  const authEl = r.child(el, 'auth');
  let auth: AuthConfig | null = null;
  const authOn = readSwitch(r, authEl, 'start', 'sersync/rsync/auth', false);
  const users = r.attr(authEl, 'users');
  const passwordFile = r.attr(authEl, 'passwordfile');
  if (authOn && authEl) {
    if (!users) r.problem(authEl.line, 'sersync/rsync/auth@users', 'auth is on but no user is given (set users="rsyncuser")');
    if (!passwordFile) r.problem(authEl.line, 'sersync/rsync/auth@passwordfile', 'auth is on but no password file is given (set passwordfile="/etc/rsync.pas": a mode 600 file holding only the password)');
    else if (disk) checkPasswordFile(r, authEl.line, passwordFile, users ?? '', disk);
    if (ssh) {
      r.problem(
        authEl.line,
        'sersync/rsync/auth@start',
        'auth cannot be combined with <ssh start="true">: --password-file only works with an rsync daemon (every transfer would fail); over ssh use keys: turn auth off, or turn ssh off',
      );
    }
    auth = { user: users ?? '', passwordFile: passwordFile ?? '' };
  }
  const portEl = r.child(el, 'userDefinedPort');
  const portOn = readSwitch(r, portEl, 'start', 'sersync/rsync/userDefinedPort', false);
  const port = readInt(r, portEl, 'port', 'sersync/rsync/userDefinedPort', 873, { min: 1, max: 65535 });
  const toEl = r.child(el, 'timeout');
  const toOn = readSwitch(r, toEl, 'start', 'sersync/rsync/timeout', false);
  const timeout = readInt(r, toEl, 'time', 'sersync/rsync/timeout', 100, { min: 1 });
  return { commonParams, auth, port: portOn ? port : null, timeoutSec: toOn ? timeout : null, ssh, versions: readVersions(r, el) };
}

function checkPasswordFile(r: ConfigReader, line: number, file: string, user: string, disk: DiskProbe): void {
  const path = 'sersync/rsync/auth@passwordfile';
  const st = disk.stat(file);
  if (!st) return r.problem(line, path, `password file ${file} does not exist (create it holding only the password, then chmod 600 ${file})`);
  if (st.isDirectory) return r.problem(line, path, `password file ${file} is a directory (give the file inside it that holds only the password)`);
  if ((st.mode & 0o077) !== 0) {
    r.problem(line, path, `password file ${file} has mode ${(st.mode & 0o777).toString(8)}; rsync refuses a password file others can read: chmod 600 ${file}`);
  }
  const content = disk.readText(file);
  if ('error' in content) return r.problem(line, path, `cannot read password file ${file}: ${content.error}`);
  const lines = content.text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return r.problem(line, path, `password file ${file} is empty (put the rsync password in it)`);
  // A password may contain ':', so only "<the configured user>:..." is taken for a secrets file.
  if (lines.length === 1 && user !== '' && lines[0]!.startsWith(`${user}:`)) {
    r.problem(line, path, `password file ${file} looks like the rsync SERVER's secrets file ("user:password"); the client's file must hold only the password (e.g. echo 'password' > ${file}; chmod 600 ${file})`);
  } else if (lines.length > 1) {
    r.problem(line, path, `password file ${file} has ${lines.length} lines; it must hold only the password${lines.some((l) => l.includes(':')) ? ' (it looks like the rsync server\'s "user:password" secrets file)' : ''}`);
  }
}

function readRoots(r: ConfigReader, sersync: XmlElement | undefined, ssh: boolean, disk: DiskProbe | null): WatchRoot[] {
  const blocks = r.children(sersync, 'localpath');
  if (sersync && blocks.length === 0) {
    r.problem(sersync.line, 'sersync/localpath', 'no <localpath watch="..."> given: nothing to watch');
  }
  const roots: WatchRoot[] = [];
  for (const lp of blocks) {
    let watch = r.attr(lp, 'watch') ?? '';
    const remoteEls = r.children(lp, 'remote');
    if (watch === '') {
      r.problem(lp.line, 'sersync/localpath@watch', 'missing or empty: give the absolute path of the directory to mirror');
      continue;
    }
    if (!watch.startsWith('/')) r.problem(lp.line, 'sersync/localpath@watch', `"${watch}" is not an absolute path`);
    if (watch.length > 1 && watch.endsWith('/')) watch = watch.slice(0, -1);
    if (disk && watch.startsWith('/')) {
      const st = disk.stat(watch);
      if (!st) r.problem(lp.line, 'sersync/localpath@watch', `"${watch}" does not exist (create it or fix the path)`);
      else if (!st.isDirectory) r.problem(lp.line, 'sersync/localpath@watch', `"${watch}" is not a directory`);
    }
    const remotes: Remote[] = [];
    if (remoteEls.length === 0) r.problem(lp.line, 'sersync/localpath/remote', `no <remote ip="..." name="..."/> for "${watch}": nowhere to mirror it`);
    for (const re of remoteEls) {
      const ip = r.attr(re, 'ip') ?? '';
      const name = r.attr(re, 'name') ?? '';
      if (ip === '') r.problem(re.line, 'sersync/localpath/remote@ip', 'missing or empty: give the rsync server address');
      if (name === '') r.problem(re.line, 'sersync/localpath/remote@name', ssh ? 'missing or empty: give the remote directory' : 'missing or empty: give the rsync module name');
      if (ip && name) remotes.push({ ip, module: name, label: ssh ? `${ip}:${name}` : `${ip}::${name}` });
    }
    if (roots.some((x) => x.path === watch)) r.warn(lp.line, 'sersync/localpath@watch', `"${watch}" is listed twice; its remotes are merged`);
    const same = roots.find((x) => x.path === watch);
    if (same) (same.remotes as Remote[]).push(...remotes);
    else roots.push({ path: watch, remotes });
  }
  if (roots.length > 1) r.warn(blocks[1]!.line, 'sersync/localpath', `${roots.length} <localpath> blocks: all are watched (sersync2 silently used only the first)`);
  return roots;
}

function readFailLog(r: ConfigReader, sersync: XmlElement | undefined, disk: DiskProbe | null): FailLogConfig {
  const el = r.child(sersync, 'failLog');
  let path = r.attr(el, 'path') ?? '/tmp/rsync_fail_log.sh';
  if (path === '') {
    r.warn(el?.line ?? 0, 'sersync/failLog@path', 'empty: using /tmp/rsync_fail_log.sh');
    path = '/tmp/rsync_fail_log.sh';
  }
  if (!path.startsWith('/')) r.problem(el?.line ?? 0, 'sersync/failLog@path', `"${path}" is not an absolute path`);
  const dir = path.slice(0, path.lastIndexOf('/')) || '/';
  const dirStat = disk?.stat(dir);
  if (dirStat && (dirStat.mode & 0o002) !== 0) {
    r.warn(el?.line ?? 0, 'sersync/failLog@path', `"${path}" is in ${dir}, a world-writable directory; it is kept mode 600 and checked, but /var/lib/sersync-ts/ is a safer place`);
  }
  const raw = r.attr(el, 'timeToExecute');
  let timeToExecuteMin = 60;
  if (raw !== undefined && raw.trim() === '' && el) {
    // sersync read an empty value as 7200 s (sersync-behavior.md §2.2): keep its meaning.
    timeToExecuteMin = 120;
    r.warn(el.line, 'sersync/failLog@timeToExecute', 'empty: replaying the fail log every 120 minutes, as sersync did (give a number of minutes, e.g. 60)');
  } else if (raw !== undefined && el) {
    // Fractions of a minute are accepted (sersync's atoi took whole minutes).
    if (/^\d+(\.\d+)?$/.test(raw.trim()) && Number(raw) > 0) timeToExecuteMin = Number(raw);
    else r.problem(el.line, 'sersync/failLog@timeToExecute', `expected a positive number of minutes, got "${raw}"`);
  }
  const stateDirRaw = r.attr(el, 'stateDir');
  let stateDir: string | null = null;
  if (stateDirRaw !== undefined && el) {
    if (stateDirRaw.startsWith('/')) stateDir = stateDirRaw.replace(/(.)\/+$/, '$1');
    else r.problem(el.line, 'sersync/failLog@stateDir', `expected an absolute directory path, got "${stateDirRaw}"`);
  }
  return { path, timeToExecuteMin, stateDir };
}

function readCrontab(r: ConfigReader, sersync: XmlElement | undefined): CrontabConfig {
  const el = r.child(sersync, 'crontab');
  const enabled = readSwitch(r, el, 'start', 'sersync/crontab', false);
  const raw = r.attr(el, 'schedule');
  let scheduleMin = 600;
  if (raw !== undefined && el) {
    // Fractions are accepted (sersync's atoi took whole minutes): handy for tests and small trees.
    if (/^\d+(\.\d+)?$/.test(raw.trim()) && Number(raw) > 0) scheduleMin = Number(raw);
    else r.warn(el.line, 'sersync/crontab@schedule', `expected a positive number of minutes, got "${raw}"; using 600 (as sersync did)`);
  }
  const f = r.child(el, 'crontabfilter');
  const filterEnabled = readSwitch(r, f, 'start', 'sersync/crontab/crontabfilter', false);
  const filterExcludes = r.children(f, 'exclude').map((x) => r.attr(x, 'expression') ?? '').filter((x) => x !== '');
  return { enabled, scheduleMin, filterEnabled: filterEnabled && filterExcludes.length > 0, filterExcludes };
}

function readDebounce(r: ConfigReader, sersync: XmlElement | undefined): DebounceConfig {
  const el = r.child(sersync, 'debounce');
  const p = 'sersync/debounce';
  const d = DEFAULT_DEBOUNCE;
  const out = {
    delayMs: readInt(r, el, 'delayMs', p, d.delayMs, { min: 0 }),
    maxDelayMs: readInt(r, el, 'maxDelayMs', p, d.maxDelayMs, { min: 1 }),
    maxPathsPerDir: readInt(r, el, 'maxPathsPerDir', p, d.maxPathsPerDir, { min: 1 }),
    maxPendingPaths: readInt(r, el, 'maxPendingPaths', p, d.maxPendingPaths, { min: 1 }),
  };
  if (el && out.maxDelayMs < out.delayMs) r.warn(el.line, `${p}@maxDelayMs`, `${out.maxDelayMs} is below delayMs ${out.delayMs}; paths will ship after maxDelayMs`);
  return out;
}

const DEFAULT_VERIFY: VerifyConfig = { enabled: false, scheduleMin: 1440, repair: true };

function readVerify(r: ConfigReader, sersync: XmlElement | undefined): VerifyConfig {
  const el = r.child(sersync, 'verify');
  if (!el) return DEFAULT_VERIFY;
  const p = 'sersync/verify';
  // Present means on: the element is new, so there is no sersync meaning to keep; start="false" parks it.
  const enabled = r.attr(el, 'start') === undefined || readSwitch(r, el, 'start', p, true);
  const repair = readSwitch(r, el, 'repair', p, DEFAULT_VERIFY.repair);
  const raw = r.attr(el, 'schedule');
  let scheduleMin = DEFAULT_VERIFY.scheduleMin;
  if (raw === undefined) {
    if (enabled) r.problem(el.line, `${p}@schedule`, 'missing: give the minutes between verify runs, e.g. schedule="1440" (once a day; each run reads both trees in full)');
  } else if (/^\d+(\.\d+)?$/.test(raw.trim()) && Number(raw) > 0) {
    // Fractions of a minute, as for <crontab>: handy for tests and small trees.
    scheduleMin = Number(raw);
  } else {
    r.problem(el.line, `${p}@schedule`, `expected a positive number of minutes, got "${raw}"`);
  }
  return { enabled, scheduleMin, repair };
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}
