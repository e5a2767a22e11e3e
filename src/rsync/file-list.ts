import type { BytePath } from '../shared/bytepath.js';

/** rsync's stdin for --files-from=- --from0. */
export function fileList(paths: readonly BytePath[]): Buffer {
  return Buffer.from(paths.map((p) => `${p}\0`).join(''), 'latin1');
}
