/**
 * Writes the copyright file (Debian machine-readable format 1.0) of the packages: sersync-ts
 * itself, the bundled Node.js runtime with the LICENSE it ships (which lists the libraries built
 * into the binary), then one paragraph per bundled npm module with the license text that module
 * ships, so the file stays true whatever `npm ci --omit=dev` put into node_modules.
 * Usage: node copyright.js APP_DIR INSTALL_PREFIX YEAR HOLDER NODE_PREFIX NODE_LICENSE_FILE
 * (the result goes to stdout)
 */
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

/** One bundled module, as found in node_modules. */
export interface BundledModule {
  /** Its directory relative to the app directory, e.g. `node_modules/execa`. */
  readonly dir: string;
  readonly name: string;
  readonly license: string;
  /** The LICENSE file's text, or null when the module ships none. */
  readonly licenseText: string | null;
  /** package.json `author`, for a module whose license text names nobody. */
  readonly author: string | null;
}

const MIT = (holder: string): string => `Copyright (c) ${holder}

Permission is hereby granted, free of charge, to any person obtaining a copy of this software and
associated documentation files (the "Software"), to deal in the Software without restriction,
including without limitation the rights to use, copy, modify, merge, publish, distribute,
sublicense, and/or sell copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all copies or
substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR IMPLIED, INCLUDING BUT
NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS FOR A PARTICULAR PURPOSE AND
NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM,
DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT
OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.`;

/** Licenses Debian ships in /usr/share/common-licenses: referred to, not copied (lintian wants that). */
const COMMON = new Set([
  'Apache-2.0',
  'CC0-1.0',
  'MPL-2.0',
  'GPL-2.0',
  'GPL-3.0',
  'LGPL-2.1',
  'LGPL-3.0',
  'Artistic-2.0',
]);

/** A text as the body of a DEP-5 field: every line indented, empty lines as " .". */
function body(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .trim()
    .split('\n')
    .map((l) => (l.trim() === '' ? ' .' : ` ${l.trimEnd()}`))
    .join('\n');
}

/** The "Copyright (c) 2015 X" lines of a license text, without the word "Copyright" and (c). */
export function holders(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:-\s*)?Copyright\s*(?:\(c\)|©)?\s*(.+?)\s*$/i.exec(line);
    if (m && /\d|\w{3}/.test(m[1]!) && !/notice|holders?\b/i.test(m[1]!)) out.push(m[1]!.replace(/^\(c\)\s*/i, ''));
  }
  return [...new Set(out)];
}

/** The bundled Node.js binary: where it is installed and the LICENSE file of its release. */
export interface BundledRuntime {
  readonly prefix: string;
  readonly licenseText: string;
}

/** Pure: the whole copyright file. */
export function copyrightFile(
  prefix: string,
  year: string,
  holder: string,
  modules: readonly BundledModule[],
  runtime: BundledRuntime,
): string {
  const paras = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: sersync-ts',
    `Files: *\nCopyright: ${year} ${holder}\nLicense: MIT\n${body(MIT(`${year} ${holder}`))}`,
    // Node's LICENSE is its own MIT grant followed by the licenses of every library built into it.
    `Files: ${runtime.prefix}/*\nCopyright: Node.js contributors and the authors of the libraries it bundles (listed below)\nLicense: Node.js\n${body(runtime.licenseText)}`,
  ];
  for (const m of [...modules].sort((a, b) => a.dir.localeCompare(b.dir))) {
    const found = m.licenseText ? holders(m.licenseText) : [];
    const who = found.length > 0 ? found : [m.author ?? `the authors of ${m.name}`];
    const text = COMMON.has(m.license)
      ? `On Debian systems, the full text of the ${m.license} license is in /usr/share/common-licenses/${m.license}.`
      : (m.licenseText ??
        (m.license === 'MIT'
          ? MIT(who[0]!)
          : `${m.name} is under the ${m.license} license; it ships no license text.`));
    paras.push(`Files: ${prefix}/${m.dir}/*\nCopyright: ${who.join('\n ')}\nLicense: ${m.license}\n${body(text)}`);
  }
  return `${paras.join('\n\n')}\n`;
}

// --- edge: reading node_modules ---------------------------------------------------------------

function authorOf(a: unknown): string | null {
  if (typeof a === 'string') return a;
  if (a && typeof a === 'object' && 'name' in a) {
    const o = a as { name: string; email?: string };
    return o.email ? `${o.name} <${o.email}>` : o.name;
  }
  return null;
}

/** Every module under `app`/node_modules, nested ones included (scoped names too). */
export function scanModules(app: string): BundledModule[] {
  const out: BundledModule[] = [];
  const walk = (nm: string): void => {
    if (!fs.existsSync(path.join(app, nm))) return;
    for (const entry of fs.readdirSync(path.join(app, nm))) {
      if (entry.startsWith('.')) continue;
      const dirs = entry.startsWith('@')
        ? fs.readdirSync(path.join(app, nm, entry)).map((e) => `${nm}/${entry}/${e}`)
        : [`${nm}/${entry}`];
      for (const dir of dirs) {
        const pj = JSON.parse(fs.readFileSync(path.join(app, dir, 'package.json'), 'utf8')) as {
          name: string;
          license?: string;
          author?: unknown;
        };
        const lic = fs.readdirSync(path.join(app, dir)).find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
        out.push({
          dir,
          name: pj.name,
          license: pj.license ?? 'unknown',
          licenseText: lic ? fs.readFileSync(path.join(app, dir, lic), 'utf8') : null,
          author: authorOf(pj.author),
        });
        walk(`${dir}/node_modules`);
      }
    }
  };
  walk('node_modules');
  return out;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [app, prefix, year, holder, nodePrefix, nodeLicense] = process.argv.slice(2);
  if (!app || !prefix || !year || !holder || !nodePrefix || !nodeLicense) {
    process.stderr.write('usage: node copyright.js APP_DIR INSTALL_PREFIX YEAR HOLDER NODE_PREFIX NODE_LICENSE_FILE\n');
    process.exit(64);
  }
  const runtime = { prefix: nodePrefix, licenseText: fs.readFileSync(nodeLicense, 'utf8') };
  process.stdout.write(copyrightFile(prefix, year, holder, scanModules(app), runtime));
}
