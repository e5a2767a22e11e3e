import fs from 'node:fs';
import type { DiskProbe } from './disk.js';
import { normalise } from './normalise.js';
import { readHost } from './values.js';
import { ConfigReader } from './reader.js';
import type { ConfigProblem, SersyncConfig } from './types.js';
import { decodeXmlBytes, parseXml } from './xml.js';

export interface LoadResult {
  readonly config: SersyncConfig | null;
  readonly problems: readonly ConfigProblem[];
  readonly warnings: readonly ConfigProblem[];
}

interface LoadOptions {
  /** Skip the checks that look at the disk (watch dirs, password file): for parsing tests. */
  readonly skipDiskChecks?: boolean;
}

const realDisk: DiskProbe = {
  stat(p) {
    try {
      const st = fs.statSync(p);
      return { isDirectory: st.isDirectory(), mode: st.mode, uid: st.uid };
    } catch {
      return null;
    }
  },
  readText(p) {
    try {
      return { text: fs.readFileSync(p, 'utf8') };
    } catch (err) {
      return { error: (err as NodeJS.ErrnoException).code ?? String(err) };
    }
  },
};

/**
 * Only `<host hostip port>`, from a config that may be invalid otherwise: `sersync-ts status`
 * asks the running agent, which runs with the config it loaded even after the file on disk went
 * bad (or a watched root vanished, which fails the disk checks). Null when not even that reads.
 */
export async function loadStatusHost(file: string): Promise<SersyncConfig['host'] | null> {
  const bytes = await fs.promises.readFile(file).catch(() => null);
  const parsed = bytes ? parseXml(decodeXmlBytes(bytes)) : null;
  if (!parsed?.ok || parsed.root.name !== 'head') return null;
  const r = new ConfigReader(file);
  const host = readHost(r, parsed.root);
  return r.problems.length === 0 ? host : null;
}

/** Reads, parses, validates and normalises a confxml.xml. The only config code that reads the disk. */
export async function loadConfig(file: string, opts: LoadOptions = {}): Promise<LoadResult> {
  let bytes: Buffer;
  try {
    bytes = await fs.promises.readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file (give the config path with -o FILE)'
        : code === 'EACCES'
          ? 'permission denied (run as a user that can read it)'
          : code === 'EISDIR'
            ? 'is a directory (give the confxml.xml file inside it)'
            : String((err as Error).message);
    return { config: null, problems: [{ file, line: 0, xmlPath: '', message: `cannot read config: ${why}` }], warnings: [] };
  }
  const parsed = parseXml(decodeXmlBytes(bytes));
  if (!parsed.ok) return { config: null, problems: [{ file, line: parsed.line, xmlPath: '', message: parsed.message }], warnings: [] };
  const result = normalise(parsed.root, file, opts.skipDiskChecks ? null : realDisk);
  const warnings = parsed.trailingTextLine !== null
    ? [{ file, line: parsed.trailingTextLine, xmlPath: '', message: 'text after the closing </head> is ignored' }, ...result.warnings]
    : result.warnings;
  // Problems in file order, so the list reads top to bottom.
  const byLine = (a: ConfigProblem, b: ConfigProblem): number => a.line - b.line;
  return { config: result.config, problems: [...result.problems].sort(byLine), warnings: [...warnings].sort(byLine) };
}
