import type { ConfigReader } from './reader.js';
import type { CommandPluginConfig, HttpPluginConfig, PluginsConfig, RefreshCdnPluginConfig, SocketPluginConfig } from './types.js';
import { analysePrefix } from './command-prefix.js';
import { readInt, readSwitch, regexError } from './values.js';
import { splitWords } from './words.js';
import type { XmlElement } from './xml.js';

const KNOWN = ['command', 'socket', 'refreshCDN', 'http'];

/** Where a plugin's `<localpath watch>` lies relative to the sync roots (pure). */
export function syncRootOf(watch: string, syncRoots: readonly string[]): string | null {
  return syncRoots.find((r) => watch === r || watch.startsWith(r.endsWith('/') ? r : `${r}/`)) ?? null;
}

/**
 * `sersync/plugin` and the top-level `<plugin name=...>` blocks (sersync-behavior.md §6). Every
 * setting a plugin would trip over at run time is a problem here (exit 78 before anything starts):
 * invalid regexes, a prefix that would run file names as code, a localpath outside the synced trees.
 */
export function readPlugins(r: ConfigReader, root: XmlElement, sersync: XmlElement | undefined, syncRoots: readonly string[] = []): PluginsConfig {
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
  if (enabled && sel && KNOWN.includes(canonical) && !out[canonical === 'refreshCDN' ? 'refreshCdn' : (canonical as 'command' | 'socket' | 'http')]) {
    r.problem(sel.line, 'sersync/plugin@name', `plugin "${canonical}" is turned on but there is no top-level <plugin name="${canonical}"> block with its settings`);
  }
  // Beside syncing, a plugin is told about what was delivered: its own root must be a synced tree
  // (sersync instead replaced the sync root with it and pushed the wrong tree, sersync-behavior.md §6.4).
  if (enabled && sel && syncRoots.length > 0) {
    const own = canonical === 'socket' ? out.socket : canonical === 'refreshCDN' ? out.refreshCdn : canonical === 'http' ? out.http : null;
    const el = block(canonical);
    if (own?.watch && el && syncRootOf(own.watch, syncRoots) === null) {
      const lp = r.child(el, 'localpath');
      r.problem(
        lp?.line ?? el.line,
        `plugin[${canonical}]/localpath@watch`,
        `"${own.watch}" is not a sync root or inside one (${syncRoots.join(', ')}): beside syncing a plugin is told only about synced paths, and the sync root never changes. Use a directory inside a sync root, or run the plugin alone on that tree with -m ${canonical} (and <plugin start="false">)`,
      );
    }
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
    const say = (line: number, at: string, msg: string): void => (filterEnabled ? r.problem(line, at, msg) : r.warn(line, at, msg));
    if (err) say(inc.line, `${p}/filter/include@expression`, `invalid regular expression ${JSON.stringify(expr)}: ${err}`);
    else includes.push(expr);
  }
  const prefix = r.attr(param, 'prefix') ?? '';
  const words = splitWords(prefix);
  if (words === null) r.problem(param?.line ?? el.line, `${p}/param@prefix`, `a quote is left open in ${JSON.stringify(prefix)}`);
  else if (words.length === 0) r.problem(param?.line ?? el.line, `${p}/param@prefix`, 'missing or empty: give the program to run (the changed path is added as one argument)');
  else {
    const a = analysePrefix(words);
    if (a.evalFlag !== null) {
      r.problem(
        param?.line ?? el.line,
        `${p}/param@prefix`,
        `"${prefix}" would run each changed file's NAME as ${a.interpreter} code (${a.interpreter} ${a.evalFlag} takes program text): a file called "x;rm -rf ~" would run rm. Give a script to run instead, e.g. prefix="${words.slice(0, words.indexOf(a.evalFlag)).join(' ') || a.interpreter} /path/to/hook.sh": it gets the path as $1`,
      );
    }
  }
  const suffix = r.attr(param, 'suffix') ?? '';
  if (splitWords(suffix) === null) r.problem(param?.line ?? el.line, `${p}/param@suffix`, `a quote is left open in ${JSON.stringify(suffix)}`);
  return {
    prefix,
    suffix,
    timeoutMs: readInt(r, param, 'timeoutMs', `${p}/param`, 60_000, { min: 1 }),
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
  const regex = readSwitch(r, rx, 'regex', `${p}/regexurl`, false);
  const match = r.attr(rx, 'match') ?? '';
  if (regex) {
    // Compiled once here and once by the plugin; sersync compiled it per event (and crashed on a bad one).
    const err = match ? regexError(match) : 'empty expression';
    if (err) r.problem(rx?.line ?? el.line, `${p}/regexurl@match`, `invalid regular expression ${JSON.stringify(match)}: ${err}`);
    else if (!/\((?!\?)/.test(match)) r.warn(rx?.line ?? el.line, `${p}/regexurl@match`, `${JSON.stringify(match)} has no capture group: the URL is the base plus what follows the match`);
  }
  return {
    watch: (r.attr(lp, 'watch') ?? '').replace(/(.)\/$/, '$1'),
    domainName: r.attr(info, 'domainname') ?? '',
    port: readInt(r, info, 'port', `${p}/cdninfo`, 80, { min: 1, max: 65535 }),
    userName: r.attr(info, 'username') ?? '',
    password: r.attr(info, 'passwd') ?? '',
    sendUrlBase: r.attr(send, 'base') ?? '',
    regex,
    match,
  };
}
