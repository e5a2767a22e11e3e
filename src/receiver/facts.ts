import fs from 'node:fs';
import type { FileFacts, LintFacts } from './lint.js';

/** The id of `name` in an /etc/passwd or /etc/group text (a number stands for itself). */
export function idIn(dbText: string, name: string): number | null {
  if (/^\d+$/.test(name)) return Number(name);
  for (const line of dbText.split('\n')) {
    const f = line.split(':');
    if (f[0] === name && f.length > 2 && /^\d+$/.test(f[2]!)) return Number(f[2]);
  }
  return null;
}

function readOrNull(p: string): string | null {
  try {
    return fs.readFileSync(p, 'utf8');
  } catch {
    return null;
  }
}

/** LintFacts from this host's disk and user databases (/etc/passwd, /etc/group). */
export function diskFacts(): LintFacts {
  const passwd = readOrNull('/etc/passwd') ?? '';
  const group = readOrNull('/etc/group') ?? '';
  return {
    stat: (p): FileFacts | null => {
      try {
        const s = fs.statSync(p);
        return { isDir: s.isDirectory(), uid: s.uid, gid: s.gid, mode: s.mode };
      } catch {
        return null;
      }
    },
    read: readOrNull,
    uid: (n) => idIn(passwd, n),
    gid: (n) => idIn(group, n),
  };
}
