import type { ConfigReader } from './reader.js';
import type { CommandPluginConfig, PluginsConfig, RefreshCdnPluginConfig, SocketPluginConfig } from './types.js';
import { readInt, readSwitch, regexError } from './values.js';
import type { XmlElement } from './xml.js';

const KNOWN = ['command', 'socket', 'refreshCDN', 'http'];

/** `sersync/plugin` and the top-level `<plugin name=...>` blocks (sersync-behavior.md §6). */
export function readPlugins(r: ConfigReader, root: XmlElement, sersync: XmlElement | undefined): PluginsConfig {
  const sel = r.child(sersync, 'plugin');
  const enabled = readSwitch(r, sel, 'start', 'sersync/plugin', false);
  const name = r.attr(sel, 'name') ?? '';
  if (enabled && sel) {
    if (!KNOWN.some((k) => k.toLowerCase() === name.toLowerCase())) {
      r.problem(sel.line, 'sersync/plugin@name', `unknown plugin "${name}" (expected command, socket, refreshCDN or http)`);
    } else {
      r.warn(sel.line, 'sersync/plugin@start', `plugin "${name}" is parsed but plugins run only in a later sersync-ts release; ignored for now`);
    }
  }
  const blocks = r.children(root, 'plugin');
  const block = (n: string): XmlElement | undefined => blocks.find((b) => (r.attr(b, 'name') ?? '').toLowerCase() === n.toLowerCase());
  return { enabled, name, command: readCommand(r, block('command')), socket: readSocket(r, block('socket')), refreshCdn: readCdn(r, block('refreshCDN')) };
}

function readCommand(r: ConfigReader, el: XmlElement | undefined): CommandPluginConfig | null {
  if (!el) return null;
  const p = 'plugin[command]';
  const param = r.child(el, 'param');
  const filter = r.child(el, 'filter');
  const filterEnabled = readSwitch(r, filter, 'start', `${p}/filter`, false);
  const includes: string[] = [];
  for (const inc of r.children(filter, 'include')) {
    const expr = r.attr(inc, 'expression') ?? '';
    const err = expr ? regexError(expr) : 'empty expression';
    if (err) (filterEnabled ? r.problem : r.warn).call(r, inc.line, `${p}/filter/include@expression`, `invalid regular expression ${JSON.stringify(expr)}: ${err}`);
    else includes.push(expr);
  }
  return {
    prefix: r.attr(param, 'prefix') ?? '',
    suffix: r.attr(param, 'suffix') ?? '',
    ignoreError: readSwitch(r, param, 'ignoreError', `${p}/param`, false),
    filterEnabled,
    includes,
  };
}

function readSocket(r: ConfigReader, el: XmlElement | undefined): SocketPluginConfig | null {
  if (!el) return null;
  const lp = r.child(el, 'localpath');
  const dh = r.child(lp, 'deshost');
  return {
    watch: (r.attr(lp, 'watch') ?? '').replace(/(.)\/$/, '$1'),
    host: r.attr(dh, 'ip') ?? '',
    port: readInt(r, dh, 'port', 'plugin[socket]/localpath/deshost', 0, { min: 0, max: 65535 }),
  };
}

function readCdn(r: ConfigReader, el: XmlElement | undefined): RefreshCdnPluginConfig | null {
  if (!el) return null;
  const p = 'plugin[refreshCDN]/localpath';
  const lp = r.child(el, 'localpath');
  const info = r.child(lp, 'cdninfo');
  const send = r.child(lp, 'sendurl');
  const rx = r.child(lp, 'regexurl');
  return {
    watch: (r.attr(lp, 'watch') ?? '').replace(/(.)\/$/, '$1'),
    domainName: r.attr(info, 'domainname') ?? '',
    port: readInt(r, info, 'port', `${p}/cdninfo`, 80, { min: 1, max: 65535 }),
    userName: r.attr(info, 'username') ?? '',
    password: r.attr(info, 'passwd') ?? '',
    sendUrlBase: r.attr(send, 'base') ?? '',
    regex: readSwitch(r, rx, 'regex', `${p}/regexurl`, false),
    match: r.attr(rx, 'match') ?? '',
  };
}
