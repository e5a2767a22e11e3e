import { isUtf8, toText, type BytePath } from './bytepath.js';

/**
 * A byte path as a JSON value, losslessly: a string when the bytes are valid UTF-8 (readable in
 * files an operator may open), else `{"b64": ...}`.
 */
export type EncodedPath = string | { readonly b64: string };

export function encodePath(p: BytePath): EncodedPath {
  return isUtf8(p) ? toText(p) : { b64: Buffer.from(p, 'latin1').toString('base64') };
}

export function decodePath(v: unknown): BytePath | null {
  if (typeof v === 'string') return Buffer.from(v, 'utf8').toString('latin1');
  if (v !== null && typeof v === 'object' && typeof (v as { b64?: unknown }).b64 === 'string') {
    return Buffer.from((v as { b64: string }).b64, 'base64').toString('latin1');
  }
  return null;
}
