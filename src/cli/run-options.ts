/** What the command line sets for the agent's run (the flag table, flags.ts, says which flag sets which field). */
export interface RunOptions {
  /** `-o FILE`: the config. @default './confxml.xml' (sersync's, relative to the cwd) */
  readonly configFile: string;
  /** `-r`: full sync of every root to every remote once the watches are up. */
  readonly initialSync: boolean;
  /** `-n N`: the most rsync processes at once. @default 10 */
  readonly threads: number;
  /** `-d`: detach; a supervisor runs the agent and restarts it (daemon/supervisor.ts). */
  readonly daemon: boolean;
  /** `-m NAME`: run one plugin alone, without rsync (cli/plugin-service.ts). */
  readonly plugin: string | null;
  /** `--check`: validate the config, print what would run, exit. */
  readonly check: boolean;
  readonly debug: boolean;
  readonly logLevel: 'debug' | 'info' | 'warn' | 'error' | null;
  readonly logFormat: 'text' | 'json';
  /** `--delay MS` / `--max-delay MS`: override `<debounce>`. */
  readonly delayMs: number | null;
  readonly maxDelayMs: number | null;
  /** `--stop-timeout SEC`: how long TERM/INT wait for running rsyncs before journaling the rest. @default 30 */
  readonly stopTimeoutSec: number;
  /** `--state-dir DIR`: journal and canary. @default `$STATE_DIRECTORY` (systemd), else `<failLog path>.state` */
  readonly stateDir: string | null;
  /** `--pid-file FILE` (with -d). @default /run/sersync-ts.pid as root, else `<state dir>/sersync-ts.pid` */
  readonly pidFile: string | null;
  /** `--log-file FILE`: log there instead of stderr (reopened on SIGHUP, for logrotate). */
  readonly logFile: string | null;
  /** Internal: the process role under -d (`supervisor` or `worker`). */
  readonly role: 'supervisor' | 'worker' | null;
}
