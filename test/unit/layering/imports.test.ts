import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { projectRoot } from '../../helpers/paths.js';

/**
 * The floors of src/, top first. A file may import from its own folder or from a folder on a
 * LOWER floor; never from a higher floor, nor from another folder on its own floor (so folders
 * cannot form a circle). Decided from the imports as they are and docs/architecture.md: a new
 * folder must be placed here on purpose (an unlisted one fails the test).
 */
const FLOORS: readonly (readonly string[])[] = [
  ['main.ts'], // entry: argv → cli; the only process.exit
  ['cli'], // argument parsing, the commands (run, status, --check)
  ['daemon'], // the composition root and its parts; supervisor, signals, sd-notify
  ['verify', 'versions'], // content comparison of a root with a remote, repairs through lanes; <versions> listings and restores
  ['lane', 'plugins'], // one (root, remote) lane running batches; the plugins observing them
  ['delete-safety', 'faillog', 'journal', 'status'], // what --delete may remove (protect rules, excludes, the brake's rule); durable state; health/metrics
  ['rsync', 'watch', 'receiver'], // argv builder, runner, exit codes; the watcher and event policy; the backup host's rsyncd.conf
  ['aggregate'], // pure: pending set, debounce, subsumption
  ['config'], // confxml.xml → frozen SersyncConfig
  ['shared'], // clock, logger, byte paths, io
];

/** `src/daemon/agent.ts` → `daemon`; `src/main.ts` → `main.ts`. */
function folderOf(rel: string): string {
  return rel.split('/')[1]!;
}

function floorOf(folder: string): number {
  return FLOORS.findIndex((f) => f.includes(folder));
}

/** The relative module specifiers of static imports, re-exports and dynamic imports. */
export function specifiersOf(source: string): string[] {
  const out: string[] = [];
  // An import clause holds names, braces, commas, `*`, `as`, `type`: no `(`, `:`, `=` or `/`, so
  // an interface body, a function or a doc comment after `export` is never taken for one.
  const re =
    /^[ \t]*(?:import|export)\b[\w\s{},*$]*?\bfrom[ \t]*['"](\.[^'"]+)['"]|^[ \t]*import[ \t]*['"](\.[^'"]+)['"]|\bimport\(\s*['"](\.[^'"]+)['"]\s*\)/gm;
  for (let m = re.exec(source); m; m = re.exec(source)) out.push((m[1] ?? m[2] ?? m[3])!);
  return out;
}

/** Every .ts file under src/ → the src/ files it imports (paths relative to the project root). */
function importGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(path.join(projectRoot, dir), { withFileTypes: true })) {
      const rel = `${dir}/${e.name}`;
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.ts')) {
        const source = fs.readFileSync(path.join(projectRoot, rel), 'utf8');
        const targets = specifiersOf(source).map((s) =>
          path.posix.normalize(path.posix.join(path.posix.dirname(rel), s)).replace(/\.js$/, '.ts'),
        );
        graph.set(rel, targets);
      }
    }
  };
  walk('src');
  return graph;
}

/** One cycle in the graph, as the files around it (first = last), or null. */
export function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === 'done') return null;
    if (state.get(n) === 'open') return [...stack.slice(stack.indexOf(n)), n];
    state.set(n, 'open');
    stack.push(n);
    for (const t of graph.get(n) ?? []) {
      const c = visit(t);
      if (c) return c;
    }
    stack.pop();
    state.set(n, 'done');
    return null;
  };
  for (const n of [...graph.keys()].sort()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

/** Imports that go up a floor or sideways to another folder of the same floor. */
export function badImports(graph: ReadonlyMap<string, readonly string[]>): string[] {
  const bad: string[] = [];
  for (const [from, targets] of graph) {
    const a = folderOf(from);
    for (const to of targets) {
      const b = folderOf(to);
      if (a === b) continue;
      if (floorOf(b) <= floorOf(a)) bad.push(`${from} imports ${to} (${b} is not below ${a}: see FLOORS)`);
    }
  }
  return bad.sort();
}

describe('layering of src/: no import cycles, no upward imports', () => {
  const graph = importGraph();

  it('reads the real tree (a sanity check on the parser)', () => {
    assert.ok(graph.size > 50, `only ${graph.size} files found under ${projectRoot}/src`);
    assert.ok(graph.get('src/main.ts')?.includes('src/cli/run.ts'), 'main.ts imports cli/run.ts');
    for (const [from, targets] of graph)
      for (const t of targets) assert.ok(graph.has(t), `${from} imports ${t}, which is not a .ts file under src/`);
  });

  it('every folder of src/ is on a floor', () => {
    const unplaced = [...new Set([...graph.keys()].map(folderOf))].filter((f) => floorOf(f) < 0);
    assert.deepEqual(unplaced, [], 'add these folders to FLOORS');
  });

  it('no file imports from a higher floor or from another folder of its floor', () => {
    assert.deepEqual(badImports(graph), []);
  });

  it('no import cycle between files', () => {
    assert.equal(findCycle(graph)?.join(' → ') ?? null, null);
  });

  describe('the checks themselves can fail', () => {
    it('a cycle is found and named', () => {
      const g = new Map([
        ['src/cli/run.ts', ['src/cli/status.ts']],
        ['src/cli/status.ts', ['src/shared/io.ts', 'src/cli/run.ts']],
        ['src/shared/io.ts', []],
      ]);
      assert.deepEqual(findCycle(g), ['src/cli/run.ts', 'src/cli/status.ts', 'src/cli/run.ts']);
      assert.equal(
        findCycle(
          new Map([
            ['a', ['b']],
            ['b', []],
          ]),
        ),
        null,
      );
    });
    it('an upward and a sideways import are found; a downward one is fine', () => {
      const g = new Map([
        ['src/plugins/plugin-only.ts', ['src/daemon/event-policy.ts', 'src/lane/lane.ts', 'src/watch/types.ts']],
      ]);
      assert.equal(badImports(g).length, 2);
    });
    it('the parser sees multi-line, type-only, re-export and dynamic imports, not comments', () => {
      const src = [
        "import fs from 'node:fs';",
        "import {\n  a,\n  b,\n} from './a.js';",
        "import type { T } from '../b/t.js';",
        "export { c } from './c.js';",
        "export type * from './d.js';",
        "import './side.js';",
        "const m = await import('./lazy.js');",
        ' * see import x from "./not-code.js" in a comment',
        "export interface O {\n  /** @default './confxml.xml' */\n  file: string;\n}",
        "export function v(): string {\n  return read(new URL('../../package.json', import.meta.url));\n}",
      ].join('\n');
      assert.deepEqual(specifiersOf(src), ['./a.js', '../b/t.js', './c.js', './d.js', './side.js', './lazy.js']);
    });
  });
});
