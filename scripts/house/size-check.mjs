#!/usr/bin/env node
// The house's size rules over src/: no file over 300 lines, no function over 60 lines.
// A function is every FunctionDeclaration, MethodDeclaration, ArrowFunction, FunctionExpression,
// Constructor, GetAccessor and SetAccessor; its length is end line - start line + 1 (its whole
// text, doc comment excluded). Offenders listed in scripts/house/size-allowlist.txt (one
// `path` or `path:function` a line, # comments) are reported but do not fail; an allowlist entry
// that is no longer over fails, so the list only shrinks.
// Usage: node scripts/house/size-check.mjs [--no-allowlist]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const allowFile = path.join(root, 'scripts/house/size-allowlist.txt');

function sourceFiles(dir) {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) return sourceFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

function nameOf(node, sf) {
  if (node.name) return node.name.getText(sf);
  if (ts.isConstructorDeclaration(node)) return 'constructor';
  const p = node.parent;
  if (p && ts.isVariableDeclaration(p)) return p.name.getText(sf);
  if (p && ts.isPropertyAssignment(p)) return p.name.getText(sf);
  if (p && ts.isPropertyDeclaration(p)) return p.name.getText(sf);
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return `<anonymous@${line + 1}>`;
}

function isFunction(node) {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isArrowFunction(node) ||
    ts.isFunctionExpression(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

/** [{ key, text }] for every file and function over its limit. */
export function offenders(files) {
  const out = [];
  for (const rel of files) {
    const text = fs.readFileSync(path.join(root, rel), 'utf8');
    const lines = text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
    if (lines > MAX_FILE_LINES) out.push({ key: rel, text: `${rel}: ${lines} lines (> ${MAX_FILE_LINES})` });
    const sf = ts.createSourceFile(rel, text, ts.ScriptTarget.Latest, true);
    const visit = (node) => {
      if (isFunction(node)) {
        const start = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line;
        const end = sf.getLineAndCharacterOfPosition(node.getEnd()).line;
        const n = end - start + 1;
        const name = nameOf(node, sf);
        if (n > MAX_FUNCTION_LINES)
          out.push({
            key: `${rel}:${name}`,
            text: `${rel}:${start + 1}: ${name}: ${n} lines (> ${MAX_FUNCTION_LINES})`,
          });
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return out;
}

function allowlist() {
  if (!fs.existsSync(allowFile)) return new Set();
  return new Set(
    fs
      .readFileSync(allowFile, 'utf8')
      .split('\n')
      .map((l) => l.replace(/#.*/, '').trim())
      .filter(Boolean),
  );
}

const found = offenders(sourceFiles('src'));
const allowed = process.argv.includes('--no-allowlist') ? new Set() : allowlist();
let failed = false;
for (const o of found) {
  const ok = allowed.has(o.key);
  failed ||= !ok;
  console.log(`${ok ? 'allowed' : 'OVER'}  ${o.text}`);
}
for (const key of allowed)
  if (!found.some((o) => o.key === key)) {
    failed = true;
    console.log(`STALE  ${key}: in scripts/house/size-allowlist.txt but no longer over: remove it from the list`);
  }
console.log(
  `size-check: ${found.length} over the limits (files > ${MAX_FILE_LINES} lines, functions > ${MAX_FUNCTION_LINES} lines), ${found.filter((o) => allowed.has(o.key)).length} allowed`,
);
process.exit(failed ? 1 : 0);
