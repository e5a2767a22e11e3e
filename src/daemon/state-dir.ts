import type { SersyncConfig } from '../config/types.js';

/**
 * Journal and canary directory when --state-dir is not given: systemd's StateDirectory= (it sets
 * $STATE_DIRECTORY, the first entry when several), else next to the fail log.
 */
export function defaultStateDir(config: SersyncConfig, env: NodeJS.ProcessEnv = process.env): string {
  if (config.failLog.stateDir) return config.failLog.stateDir;
  const fromSystemd = env['STATE_DIRECTORY']?.split(':')[0];
  if (fromSystemd) return fromSystemd;
  return `${config.failLog.path}.state`;
}
