import type { BytePath } from '../shared/bytepath.js';
import type { Clock } from '../shared/clock.js';
import type { DirHandle } from './dir-handle.js';
import { compileFilter, type PathFilter } from './filter.js';
import type { ScanHost } from './scan.js';
import type { ChangeKind, WatchRootSpec } from './types.js';
import { WatchTable, type Ident } from './watch-table.js';

/** One root as the dirwatch worker keeps it: what is watched of it, its filter, its scan. */
export interface RootState {
  readonly spec: WatchRootSpec;
  readonly filter: PathFilter;
  readonly table: WatchTable<DirHandle>;
  readonly scan: ScanHost;
}

/** Root number `ri`; its scan watches and reports through the watcher's own calls. */
export function rootState(
  spec: WatchRootSpec,
  ri: number,
  clock: Pick<Clock, 'now'>,
  watcher: {
    watch(ri: number, rel: BytePath, id: Ident): boolean;
    emit(ri: number, rel: BytePath, kind: ChangeKind): void;
  },
): RootState {
  const table = new WatchTable<DirHandle>(Buffer.from(spec.path));
  const filter = compileFilter(spec.excludes);
  const scan: ScanHost = {
    table,
    filter,
    clock,
    watch: (rel, id) => watcher.watch(ri, rel, id),
    emit: (rel, kind) => watcher.emit(ri, rel, kind),
  };
  return { spec, filter, table, scan };
}

/** Whether `all` begins with `first`, unchanged (roots told in two steps: watcher-thread.ts). */
export function extendsRoots(first: readonly WatchRootSpec[], all: readonly WatchRootSpec[]): boolean {
  return all.length >= first.length && first.every((f, i) => sameSpec(f, all[i]!));
}

function sameSpec(a: WatchRootSpec, b: WatchRootSpec): boolean {
  return (
    a.path === b.path && a.excludes.length === b.excludes.length && a.excludes.every((x, i) => x === b.excludes[i])
  );
}
