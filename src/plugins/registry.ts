import type { SersyncConfig } from '../config/types.js';
import type { Logger } from '../shared/logger.js';
import { GuardedPlugin } from './guard.js';
import type { Plugin } from './types.js';

export const PLUGIN_NAMES = ['command', 'socket', 'refreshCDN', 'http'] as const;

/**
 * Why plugin `name` cannot start with these settings (one clear line), or null when it can.
 * Pure; what the config loader checks (regexes, prefixes, localpaths) is already a load problem
 * (exit 78): this adds what only matters once that plugin is chosen (e.g. by -m or --check).
 */
function pluginSettingsError(name: string, config: SersyncConfig): string | null {
  const p = config.plugins;
  switch (name.toLowerCase()) {
    case 'command':
      // sersync fell back to prefix "/bin/sh" without a block: every changed file was executed.
      if (!p.command)
        return 'plugin "command" needs a top-level <plugin name="command"><param prefix="..."/></plugin> block';
      if (p.command.prefix.trim() === '') return 'plugin[command]/param@prefix is empty: give the program to run';
      return null;
    case 'socket':
      if (!p.socket?.host || !p.socket.port)
        return 'plugin "socket" needs <plugin name="socket"><localpath watch="..."><deshost ip="..." port="..."/></localpath></plugin>';
      return null;
    case 'refreshcdn':
      if (!p.refreshCdn?.domainName || !p.refreshCdn.sendUrlBase)
        return 'plugin "refreshCDN" needs <cdninfo domainname port username passwd>, <sendurl base> and <regexurl> in its block';
      if (p.refreshCdn.regex && p.refreshCdn.match === '')
        return 'plugin[refreshCDN]/localpath/regexurl@match is empty while regex="true"';
      return null;
    case 'http':
      if (!p.http?.url) return 'plugin "http" needs <plugin name="http" url="http://...">';
      return null;
    default:
      return `unknown plugin "${name}" (expected ${PLUGIN_NAMES.join(', ')})`;
  }
}

/**
 * Builds a plugin from its settings, behind a GuardedPlugin (nothing it throws reaches syncing).
 * Rejects with an Error with one clear line when the settings are missing or invalid. Only the
 * chosen plugin's module is loaded: the four of them brought https, tls and crypto into every
 * agent, plugin or not (issue 21: memory after ready).
 */
export async function createPlugin(name: string, config: SersyncConfig, logger: Logger): Promise<GuardedPlugin> {
  const bad = pluginSettingsError(name, config);
  if (bad) throw new Error(bad);
  const p = config.plugins;
  const log = logger.child(`plugin:${name}`);
  const make = async (): Promise<Plugin> => {
    switch (name.toLowerCase()) {
      case 'command':
        return new (await import('./command.js')).CommandPlugin(p.command!, log);
      case 'socket':
        return new (await import('./socket.js')).SocketPlugin(p.socket!, log);
      case 'refreshcdn':
        return new (await import('./refresh-cdn.js')).RefreshCdnPlugin(p.refreshCdn!, log);
      default:
        return new (await import('./http.js')).HttpPlugin(p.http!, log);
    }
  };
  return new GuardedPlugin(await make(), log);
}

/** The plugin's own `<localpath watch>` ('' when it has none: the command plugin, http without one). */
export function pluginWatch(name: string, config: SersyncConfig): string {
  const p = config.plugins;
  const n = name.toLowerCase();
  return (
    (n === 'socket' ? p.socket?.watch : n === 'refreshcdn' ? p.refreshCdn?.watch : n === 'http' ? p.http?.watch : '') ??
    ''
  );
}

/** The root a plugin watches in `-m` mode: its own <localpath watch>, else the first sync root. */
export function pluginRoot(name: string, config: SersyncConfig): string | null {
  return pluginWatch(name, config) || config.roots[0]?.path || null;
}
