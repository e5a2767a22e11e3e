import { XMLParser, XMLValidator } from 'fast-xml-parser';

/** An XML element with lower-cased names (sersync's parser was case-insensitive) and its line. */
export interface XmlElement {
  /** Lower-cased tag name. */
  readonly name: string;
  /** Lower-cased attribute name → value. */
  readonly attrs: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** 1-based line of the start tag. */
  readonly line: number;
}

type XmlResult =
  | { readonly ok: true; readonly root: XmlElement; readonly trailingTextLine: number | null }
  | { readonly ok: false; readonly line: number; readonly message: string };

/**
 * Bytes → text: UTF-8 when the bytes are valid UTF-8, whatever the declaration says (the sersync
 * tutorial's config is UTF-8 under an ISO-8859-1 declaration), else latin1.
 */
export function decodeXmlBytes(bytes: Buffer): string {
  const utf8 = bytes.toString('utf8');
  return Buffer.from(utf8, 'utf8').equals(bytes) ? utf8 : bytes.toString('latin1');
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/** Parses and checks well-formedness. Stray text between elements is ignored, as sersync did. */
export function parseXml(text: string): XmlResult {
  // sersync ignored anything after the root element (the tutorial's file ends in a markdown line).
  let trailingTextLine: number | null = null;
  const lastClose = text.search(/<\/[A-Za-z_][\w.-]*\s*>\s*$/) >= 0 ? -1 : findLastClose(text);
  if (lastClose > 0 && text.slice(lastClose).trim() !== '') {
    trailingTextLine = lineAt(text, lastClose + text.slice(lastClose).search(/\S/));
    text = text.slice(0, lastClose);
  }
  const valid = XMLValidator.validate(text);
  if (valid !== true) return { ok: false, line: valid.err.line, message: `not well-formed XML: ${valid.err.msg}` };
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    captureMetaData: true,
    parseAttributeValue: false,
    parseTagValue: false,
    trimValues: true,
  });
  const meta = XMLParser.getMetaDataSymbol() as unknown as string;
  type Item = Record<string, unknown>;
  const convert = (item: Item): XmlElement | null => {
    const tag = Object.keys(item).find((k) => k !== ':@' && k !== '#text' && !k.startsWith('?'));
    if (!tag) return null;
    const rawAttrs = (item[':@'] ?? {}) as Record<string, unknown>;
    const attrs = new Map<string, string>();
    for (const [k, v] of Object.entries(rawAttrs)) attrs.set(k.toLowerCase(), String(v));
    const kids = (item[tag] as Item[] | undefined) ?? [];
    const start = (item[meta] as { startIndex?: number } | undefined)?.startIndex ?? 0;
    return {
      name: tag.toLowerCase(),
      attrs,
      children: kids.map(convert).filter((e): e is XmlElement => e !== null),
      line: lineAt(text, start),
    };
  };
  const items = parser.parse(text) as Item[];
  const root = items.map(convert).find((e): e is XmlElement => e !== null);
  if (!root) return { ok: false, line: 1, message: 'no root element (expected <head>)' };
  return { ok: true, root, trailingTextLine };
}

/** Offset just past the last closing tag, when text follows it. */
function findLastClose(text: string): number {
  const re = /<\/[A-Za-z_][\w.-]*\s*>/g;
  let end = -1;
  for (let m = re.exec(text); m; m = re.exec(text)) end = m.index + m[0].length;
  return end;
}
