import type { SersyncConfig } from '../config/types.js';
import type { Logger } from '../shared/logger.js';
import { CommandPlugin } from './command.js';
import { HttpPlugin } from './http.js';
import { RefreshCdnPlugin } from './refresh-cdn.js';
import { SocketPlugin } from './socket.js';
import type { Plugin } from './types.js';

export const PLUGIN_NAMES = ['command', 'socket', 'refreshCDN', 'http'] as const;

/** Builds a plugin from its settings; throws an Error with one clear line when they are missing. */
export function createPlugin(name: string, config: SersyncConfig, logger: Logger): Plugin {
  const p = config.plugins;
  const log = logger.child(`plugin:${name}`);
  switch (name.toLowerCase()) {
    case 'command':
      // sersync fell back to prefix "/bin/sh" without a block: every changed file was executed.
      if (!p.command) throw new Error('plugin "command" needs a top-level <plugin name="command"><param prefix="..."/></plugin> block');
      return new CommandPlugin(p.command, log);
    case 'socket':
      if (!p.socket?.host || !p.socket.port) throw new Error('plugin "socket" needs <plugin name="socket"><localpath watch="..."><deshost ip="..." port="..."/></localpath></plugin>');
      return new SocketPlugin(p.socket, log);
    case 'refreshcdn':
      if (!p.refreshCdn?.domainName || !p.refreshCdn.sendUrlBase) throw new Error('plugin "refreshCDN" needs <cdninfo domainname port username passwd>, <sendurl base> and <regexurl> in its block');
      return new RefreshCdnPlugin(p.refreshCdn, log);
    case 'http':
      if (!p.http?.url) throw new Error('plugin "http" needs <plugin name="http" url="http://...">');
      return new HttpPlugin(p.http, log);
    default:
      throw new Error(`unknown plugin "${name}" (expected ${PLUGIN_NAMES.join(', ')})`);
  }
}

/** The root a plugin watches in `-m` mode: its own <localpath watch>, else the first sync root. */
export function pluginRoot(name: string, config: SersyncConfig): string | null {
  const p = config.plugins;
  const own = name.toLowerCase() === 'socket' ? p.socket?.watch : name.toLowerCase() === 'refreshcdn' ? p.refreshCdn?.watch : name.toLowerCase() === 'http' ? p.http?.watch : '';
  return own || config.roots[0]?.path || null;
}
