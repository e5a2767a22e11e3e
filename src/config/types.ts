/**
 * The frozen, typed configuration: what confxml.xml means after defaults, validation and
 * normalisation. Produced by `loadConfig` (load.ts); nothing else reads the XML.
 */

/** One rsync destination: an rsync daemon module (or, with `<ssh start="true">`, a remote path). */
export interface Remote {
  /** `remote@ip`: host name or address. */
  readonly ip: string;
  /** `remote@name`: the rsync module (daemon) or the remote directory (ssh). */
  readonly module: string;
  /** Human label used in logs, status and fail-log records, e.g. `127.0.0.1::www`. */
  readonly label: string;
}

/** A `<localpath watch=...>` block: one watched tree and where it is mirrored to. */
export interface WatchRoot {
  /** Absolute path, no trailing slash (sersync removed one trailing `/`). */
  readonly path: string;
  readonly remotes: readonly Remote[];
}

/** `<filter>`: regexes matched whole-string against one normalised relative path. */
export interface FilterConfig {
  readonly enabled: boolean;
  /** The source text of each `<exclude expression=...>`, in file order. */
  readonly excludes: readonly string[];
}

/**
 * `<inotify>` toggles, with sersync's names. A toggle is on only when the value is exactly
 * `true` (sersync compared strings). See the README for how they map to watcher events.
 */
export interface InotifyToggles {
  readonly delete: boolean;
  readonly createFolder: boolean;
  readonly createFile: boolean;
  readonly closeWrite: boolean;
  readonly moveFrom: boolean;
  readonly moveTo: boolean;
  readonly attrib: boolean;
  readonly modify: boolean;
}

export interface AuthConfig {
  readonly user: string;
  readonly passwordFile: string;
}

export interface RsyncConfig {
  /** `commonParams@params` split into argv words (no shell ever sees it). @default ['-artuz'] */
  readonly commonParams: readonly string[];
  /** `<auth start="true">`, else null. */
  readonly auth: AuthConfig | null;
  /** `<userDefinedPort start="true" port>`, else null (rsync's default 873). */
  readonly port: number | null;
  /** `<timeout start="true" time>` in seconds, else null. */
  readonly timeoutSec: number | null;
  /** `<ssh start="true">`: `-e ssh` and `host:path` instead of `host::module`. */
  readonly ssh: boolean;
  /** New in sersync-ts: `<versions start="true">` (src/versions/config.ts), else null. @default null */
  readonly versions?: VersionsConfig | null;
}

/** Replaced and deleted files kept on the receiver, in time buckets (README "Backups: versions and restore"). */
export interface VersionsConfig {
  /** Relative to the remote's root. @default '.sersync-versions' */
  readonly dir: string;
  /** @default 1h */
  readonly bucketMs: number;
  /** Buckets that ended longer ago than this are removed. @default 30d */
  readonly keepMs: number;
}

export interface FailLogConfig {
  /** @default '/tmp/rsync_fail_log.sh' (sersync's) */
  readonly path: string;
  /** Replay interval in minutes. @default 60 */
  readonly timeToExecuteMin: number;
  /**
   * New in sersync-ts: `<failLog stateDir="/var/lib/sersync-ts">`, where the crash-safe journal
   * and the canary live. `--state-dir` wins over it. @default null: `$STATE_DIRECTORY` under
   * systemd, else `<path>.state`
   */
  readonly stateDir: string | null;
}

export interface CrontabConfig {
  readonly enabled: boolean;
  /** Minutes between periodic full syncs. @default 600 */
  readonly scheduleMin: number;
  /** `<crontabfilter>`: rsync glob excludes for full syncs (not regexes). */
  readonly filterEnabled: boolean;
  readonly filterExcludes: readonly string[];
}

/** New in sersync-ts: `<sersync><debounce .../>`; all optional. */
export interface DebounceConfig {
  /** A path ships once quiet this long. @default 20 (ms) */
  readonly delayMs: number;
  /** ...but never later than this after it first became dirty. @default 1000 (ms) */
  readonly maxDelayMs: number;
  /** More pending paths than this under one directory roll up to the directory. @default 1000 */
  readonly maxPathsPerDir: number;
  /** More pending paths than this in one root roll up to a full sync of the root. @default 100000 */
  readonly maxPendingPaths: number;
}

/**
 * New in sersync-ts: `<sersync><verify schedule="MIN" repair="true"/>`, a scheduled content
 * check of every root against every remote (what `sersync-ts verify` does by hand). Optional;
 * sersync2 ignores the element.
 */
export interface VerifyConfig {
  /** On when `<verify>` is present (and not `start="false"`). @default false */
  readonly enabled: boolean;
  /**
   * Minutes from the end of one verify run to the start of the next (fractions allowed). Each run
   * reads both trees in full, so a long run never makes runs back to back. @default 1440
   */
  readonly scheduleMin: number;
  /**
   * Drift found is repaired through the lanes (differing and missing paths sent, extra ones
   * deleted), or, with `repair="false"`, only reported. @default true
   */
  readonly repair: boolean;
}

/**
 * New in sersync-ts: `<sersync><deleteGuard start="true" percent="50" files="1000" within="60s"/>`,
 * the mass-deletion brake (delete-safety/deletion-window.ts). On by default: a mirror must not carry an
 * `rm -rf` or a ransomware run to every remote; `start="false"` turns it off.
 */
export interface DeleteGuardConfig {
  /** @default true (also when the element is absent) */
  readonly enabled: boolean;
  /** At least this % of a root's files disappeared within `withinMs`... @default 50 */
  readonly percent: number;
  /** ...and at least this many files. @default 1000 */
  readonly files: number;
  /** The sliding window. @default 60000 (`within="60s"`) */
  readonly withinMs: number;
}

export interface CommandPluginConfig {
  readonly prefix: string;
  readonly suffix: string;
  readonly ignoreError: boolean;
  /** `param@timeoutMs`: a command running longer is killed (and counted as failed). @default 60000 */
  readonly timeoutMs: number;
  readonly filterEnabled: boolean;
  readonly includes: readonly string[];
}

export interface SocketPluginConfig {
  readonly watch: string;
  readonly host: string;
  readonly port: number;
  /**
   * `<plugin name="socket" format="...">`: `sersync` = the absolute path's bytes, one connection
   * per event (sersync's); `json` = newline-delimited JSON on one connection. @default 'sersync'
   */
  readonly format: 'sersync' | 'json';
}

/** New in sersync-ts: `<plugin name="http" url="..." timeoutMs="..."><header name value/></plugin>`. */
export interface HttpPluginConfig {
  readonly url: string;
  /** @default 5000 */
  readonly timeoutMs: number;
  readonly headers: readonly { readonly name: string; readonly value: string }[];
  /** `<localpath watch>` for `-m http` (else sersync/localpath). */
  readonly watch: string;
}

export interface RefreshCdnPluginConfig {
  readonly watch: string;
  readonly domainName: string;
  readonly port: number;
  readonly userName: string;
  readonly password: string;
  readonly sendUrlBase: string;
  readonly regex: boolean;
  readonly match: string;
}

export interface PluginsConfig {
  /** `sersync/plugin@start,name`: run this plugin after each synced event. */
  readonly enabled: boolean;
  readonly name: string;
  readonly command: CommandPluginConfig | null;
  readonly socket: SocketPluginConfig | null;
  readonly refreshCdn: RefreshCdnPluginConfig | null;
  readonly http: HttpPluginConfig | null;
}

export interface SersyncConfig {
  /** The config file's path as the user gave it (used in messages). */
  readonly file: string;
  /** `<host hostip port>`: where status/metrics will listen. @default localhost:8008 */
  readonly host: { readonly ip: string; readonly port: number };
  /** `<debug start="true">`: log each rsync argv and each batch's paths. */
  readonly debug: boolean;
  /** `<fileSystem xfs="true">`: accepted for compatibility; we always lstat, so it changes nothing. */
  readonly xfs: boolean;
  readonly filter: FilterConfig;
  readonly inotify: InotifyToggles;
  /** Every `<localpath>` block (sersync silently used only the first). */
  readonly roots: readonly WatchRoot[];
  readonly rsync: RsyncConfig;
  readonly failLog: FailLogConfig;
  readonly crontab: CrontabConfig;
  readonly debounce: DebounceConfig;
  readonly verify: VerifyConfig;
  /** `<sersync><deleteGuard>`: the mass-deletion brake (config/delete-guard.ts). */
  readonly deleteGuard: DeleteGuardConfig;
  readonly plugins: PluginsConfig;
}

/** One problem found in the config, printed as `file:line: xmlpath: message`. */
export interface ConfigProblem {
  /** The config file's path as the user gave it. */
  readonly file: string;
  /** 1-based line, or 0 when there is no line (e.g. the file is missing). */
  readonly line: number;
  /** e.g. `sersync/rsync/timeout@time` */
  readonly xmlPath: string;
  /** e.g. `expected a positive integer, got "abc"` */
  readonly message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}` : p.file;
  return p.xmlPath ? `${where}: ${p.xmlPath}: ${p.message}` : `${where}: ${p.message}`;
}
