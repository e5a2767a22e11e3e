/**
 * execa, loaded on first use. It is the largest module graph the agent has (121 files, about
 * 120 ms to import on the bench machine, more than the agent's own 164 modules): imported
 * statically it sat on the start path before the watcher's worker existed. Loaded here, the
 * worker is already scanning on its own thread while the main thread loads it for the first
 * probe (issue 21, startup).
 */
type Execa = typeof import('execa').execa;

let loading: Promise<Execa> | null = null;

export function loadExeca(): Promise<Execa> {
  loading ??= import('execa').then((m) => m.execa);
  return loading;
}
