/** The large pre-built trees of the startup and watchers workloads, built once and reused. */
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';

/** `top` directories, each holding `leaves` directories of `files` empty files. */
export interface Layout {
  readonly name: string;
  readonly top: number;
  readonly leaves: number;
  readonly files: number;
}

/** 100,000 files in 5,000 leaf directories (5,051 with the 50 top ones and the root). */
export const T100K: Layout = { name: '100k files / 5,000 dirs', top: 50, leaves: 100, files: 20 };
/** 1,000,000 files in 50,000 leaf directories (50,501 in all). */
export const T1M: Layout = { name: '1M files / 50,000 dirs', top: 500, leaves: 100, files: 20 };

export const totalDirs = (l: Layout): number => 1 + l.top + l.top * l.leaves;
export const totalFiles = (l: Layout): number => l.top * l.leaves * l.files;

/** The leaf directory that file number i of a round-robin burst goes to (relative). */
export function leafOf(l: Layout, i: number): string {
  const leaf = i % (l.top * l.leaves);
  return `t${leaf % l.top}/l${Math.floor(leaf / l.top)}`;
}

const marker = (dir: string): string => `${dir}.layout`;

async function rmrf(dir: string): Promise<void> {
  await execa('rm', ['-rf', '--', dir]);
}

/** Builds `dir` with the layout unless it already holds it (a marker next to it says so). */
export async function ensureTree(dir: string, l: Layout): Promise<void> {
  const want = JSON.stringify(l);
  if (fs.existsSync(dir) && fs.existsSync(marker(dir)) && fs.readFileSync(marker(dir), 'utf8') === want) return;
  const t0 = performance.now();
  fs.rmSync(marker(dir), { force: true });
  await rmrf(dir);
  fs.mkdirSync(dir, { recursive: true });
  for (let t = 0; t < l.top; t++) {
    for (let d = 0; d < l.leaves; d++) {
      const leaf = path.join(dir, `t${t}`, `l${d}`);
      fs.mkdirSync(leaf, { recursive: true });
      for (let f = 0; f < l.files; f++) fs.closeSync(fs.openSync(path.join(leaf, `f${f}`), 'w'));
    }
  }
  fs.writeFileSync(marker(dir), want);
  process.stderr.write(`built ${l.name} in ${dir}: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

/**
 * Makes `dst` a copy of `src`, once per layout: `cp -a` into an emptied `dst` (2-3x faster than a
 * local `rsync -a` for empty files; times and modes are kept the same way). The startup floor's
 * `rsync -a` through the daemon then checks that nothing is left to send.
 */
export async function ensureMirror(src: string, dst: string, l: Layout): Promise<void> {
  const want = JSON.stringify(l);
  if (fs.existsSync(marker(dst)) && fs.readFileSync(marker(dst), 'utf8') === want) return;
  const t0 = performance.now();
  await dropTree(dst, true);
  await execa('cp', ['-a', '--', `${src}/.`, `${dst}/`]);
  fs.writeFileSync(marker(dst), want);
  process.stderr.write(`copied ${l.name} to the remote side: ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
}

/** Frees the space of a built tree; `keepDir` leaves the (empty) directory itself. */
export async function dropTree(dir: string, keepDir = false): Promise<void> {
  fs.rmSync(marker(dir), { force: true });
  await rmrf(dir);
  if (keepDir) fs.mkdirSync(dir, { recursive: true });
}
