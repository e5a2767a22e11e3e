/**
 * rsyncd.conf read as rsync's own loadparm reads it, so `receiver check` sees what the daemon
 * sees: `#` or `;` starts a comment only at the start of a line (anywhere else it is part of the
 * value: the tutorial's trap); a trailing `\` joins the next line; names ignore case and blanks
 * (`read only` = `readonly`); a module's missing parameter falls back to the global one. Pure.
 */

export interface ConfParam {
  /** The name as written. */
  readonly name: string;
  readonly value: string;
  /** 1-based line where the parameter starts. */
  readonly line: number;
}

export interface ConfSection {
  /** null for the global section (before the first `[module]`). */
  readonly module: string | null;
  readonly line: number;
  readonly params: ReadonlyMap<string, ConfParam>;
}

export interface RsyncdConf {
  readonly global: ConfSection;
  readonly modules: readonly ConfSection[];
}

/** `Read Only` → `readonly`: how rsync compares parameter names. */
function paramKey(name: string): string {
  return name.replace(/\s+/g, '').toLowerCase();
}

/** Physical lines joined where one ends in `\`, each with the number of its first line. */
function logicalLines(text: string): { text: string; line: number }[] {
  const out: { text: string; line: number }[] = [];
  let pending: { text: string; line: number } | null = null;
  text.split('\n').forEach((raw, i) => {
    const l = raw.replace(/\r$/, '');
    const cur: { text: string; line: number } = pending
      ? { text: pending.text + l, line: pending.line }
      : { text: l, line: i + 1 };
    if (cur.text.endsWith('\\')) pending = { text: cur.text.slice(0, -1), line: cur.line };
    else {
      pending = null;
      out.push(cur);
    }
  });
  if (pending) out.push(pending);
  return out;
}

export function parseRsyncdConf(text: string): RsyncdConf {
  const global = { module: null, line: 0, params: new Map<string, ConfParam>() };
  const modules: { module: string; line: number; params: Map<string, ConfParam> }[] = [];
  let current: { params: Map<string, ConfParam> } = global;
  for (const { text: l, line } of logicalLines(text)) {
    const t = l.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) continue;
    const section = /^\[([^\]]*)\]/.exec(t);
    if (section) {
      const name = section[1]!.trim();
      // `[global]` continues the global section, as in rsync 3.
      if (name.toLowerCase() === 'global') current = global;
      else {
        const mod = { module: name, line, params: new Map<string, ConfParam>() };
        modules.push(mod);
        current = mod;
      }
      continue;
    }
    const eq = t.indexOf('=');
    if (eq < 0) continue;
    const name = t.slice(0, eq).trim();
    current.params.set(paramKey(name), { name, value: t.slice(eq + 1).trim(), line });
  }
  return { global, modules };
}

/** A module's parameter, else the global one, else null. */
export function param(conf: RsyncdConf, mod: ConfSection, name: string): ConfParam | null {
  const k = paramKey(name);
  return mod.params.get(k) ?? conf.global.params.get(k) ?? null;
}

/** rsync's booleans: yes/no, true/false, 1/0 (any case); anything else is "Badly formed". */
export function parseBool(value: string): boolean | null {
  const v = value.toLowerCase();
  if (v === 'yes' || v === 'true' || v === '1') return true;
  if (v === 'no' || v === 'false' || v === '0') return false;
  return null;
}
