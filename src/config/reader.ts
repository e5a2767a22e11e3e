import type { ConfigProblem } from './types.js';
import type { XmlElement } from './xml.js';

/**
 * Reads elements and attributes while remembering which ones were used, so everything left over
 * can be reported as unknown (one warning each), and collects problems with file, line and path.
 */
export class ConfigReader {
  readonly problems: ConfigProblem[] = [];
  readonly warnings: ConfigProblem[] = [];
  private readonly usedElements = new Set<XmlElement>();
  private readonly usedAttrs = new Map<XmlElement, Set<string>>();

  constructor(readonly file: string) {}

  /** First child with this (case-insensitive) name. */
  child(el: XmlElement | undefined, name: string): XmlElement | undefined {
    const c = el?.children.find((x) => x.name === name.toLowerCase());
    if (c) this.usedElements.add(c);
    return c;
  }

  children(el: XmlElement | undefined, name: string): XmlElement[] {
    const cs = el?.children.filter((x) => x.name === name.toLowerCase()) ?? [];
    for (const c of cs) this.usedElements.add(c);
    return cs;
  }

  use(el: XmlElement): void {
    this.usedElements.add(el);
  }

  attr(el: XmlElement | undefined, name: string): string | undefined {
    if (!el) return undefined;
    const key = name.toLowerCase();
    let set = this.usedAttrs.get(el);
    if (!set) this.usedAttrs.set(el, (set = new Set()));
    set.add(key);
    return el.attrs.get(key);
  }

  problem(line: number, xmlPath: string, message: string): void {
    this.problems.push({ file: this.file, line, xmlPath, message });
  }

  warn(line: number, xmlPath: string, message: string): void {
    this.warnings.push({ file: this.file, line, xmlPath, message });
  }

  /** One warning per element or attribute nobody read (sersync ignored them silently). */
  warnUnknown(root: XmlElement): void {
    const walk = (el: XmlElement, path: string): void => {
      const used = this.usedAttrs.get(el) ?? new Set();
      for (const a of el.attrs.keys()) {
        if (!used.has(a) && !(el === root && a === 'version')) this.warn(el.line, `${path}@${a}`, 'unknown attribute, ignored');
      }
      for (const c of el.children) {
        const p = path ? `${path}/${c.name}` : c.name;
        if (!this.usedElements.has(c)) this.warn(c.line, p, 'unknown element, ignored');
        else walk(c, p);
      }
    };
    walk(root, '');
  }
}
