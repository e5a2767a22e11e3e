/**
 * Splits `commonParams` into argv words the way a user reading it would: whitespace separates,
 * single and double quotes group (sersync pasted it into a shell string; we never use a shell).
 * Returns null when a quote is left open.
 */
export function splitWords(text: string): string[] | null {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quote: '"' | "'" | null = null;
  for (const ch of text) {
    if (quote) {
      if (ch === quote) quote = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
      inWord = true;
    } else if (/\s/.test(ch)) {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (quote) return null;
  if (inWord) out.push(cur);
  return out;
}

/** True when the words ask rsync to skip files that are newer on the receiver (`-u`/`--update`). */
export function hasUpdateFlag(words: readonly string[]): boolean {
  return words.some((w) => w === '--update' || (/^-[A-Za-z]+$/.test(w) && w.includes('u')));
}

/** The words without `-u`/`--update` (a cluster such as `-artuz` loses only its `u`). */
export function withoutUpdateFlag(words: readonly string[]): string[] {
  const out: string[] = [];
  for (const w of words) {
    if (w === '--update' || w === '-u') continue;
    out.push(/^-[A-Za-z]+$/.test(w) ? w.replace(/u/g, '') : w);
  }
  return out;
}
