import type { ConfigReader } from './reader.js';
import type { CommandPluginConfig, HttpPluginConfig, PluginsConfig, RefreshCdnPluginConfig, SocketPluginConfig } from './types.js';
import { readInt, readSwitch, regexError } from './values.js';
import type { XmlElement } from './xml.js';

const KNOWN = ['command', 'socket', 'refreshCDN', 'http'];

/** `sersync/plugin` and the top-level `<plugin name=...>` blocks (sersync-behavior.md §6). */
export function readPlugins(r: ConfigReader, root: XmlElement, sersync: XmlElement | undefined): PluginsConfig {
  const sel = r.child(sersync, 'plugin');
  const enabled = readSwitch(r, sel, 'start', 'sersync/plugin', false);
  const name = r.attr(sel, 'name') ?? '';
  const canonical = KNOWN.find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
  if (enabled && sel && !KNOWN.includes(canonical)) {
    r.problem(sel.line, 'sersync/plugin@name', `unknown plugin "${name}" (expected command, socket, refreshCDN or http)`);
  }
  const blocks = r.children(root, 'plugin');
  const block = (n: string): XmlElement | undefined => blocks.find((b) => (r.attr(b, 'name') ?? '').toLowerCase() === n.toLowerCase());
  const out = {
    enabled,
    name: canonical,
    command: readCommand(r, block('command')),
    socket: readSocket(r, block('socket')),
    refreshCdn: readCdn(r, block('refreshCDN')),
    http: readHttp(r, block('http')),
  };
  if (enabled && sel && KNOWN.includes(canonical) && canonical !== 'command' && !out[canonical === 'refreshCDN' ? 'refreshCdn' : (canonical as 'socket' | 'http')]) {
    r.problem(sel.line, 'sersync/plugin@name', `plugin "${canonical}" is turned on but there is no top-level <plugin name="${canonical}"> block with its settings`);
  }
  return out;
}

function readHttp(r: ConfigReader, el: XmlElement | undefined): HttpPluginConfig | null {
  if (!el) return null;
  const p = 'plugin[http]';
  const url = r.attr(el, 'url') ?? '';
  if (!/^https?:\/\/[^/]+/.test(url)) r.problem(el.line, `${p}@url`, `expected an http:// or https:// URL, got "${url}"`);
  const headers = r.children(el, 'header').map((h) => ({ name: r.attr(h, 'name') ?? '', value: r.attr(h, 'value') ?? '' })).filter((h) => h.name !== '');
  const lp = r.child(el, 'localpath');
  return { url, timeoutMs: readInt(r, el, 'timeoutMs', p, 5000, { min: 1 }), headers, watch: (r.attr(lp, 'watch') ?? '').replace(/(.)\/$/, '$1') };
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
  const format = r.attr(el, 'format') ?? 'sersync';
  if (format !== 'sersync' && format !== 'json') r.problem(el.line, 'plugin[socket]@format', `expected "sersync" or "json", got "${format}"`);
  return {
    watch: (r.attr(lp, 'watch') ?? '').replace(/(.)\/$/, '$1'),
    host: r.attr(dh, 'ip') ?? '',
    port: readInt(r, dh, 'port', 'plugin[socket]/localpath/deshost', 0, { min: 0, max: 65535 }),
    format: format === 'json' ? 'json' : 'sersync',
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
