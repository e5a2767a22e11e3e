import type { SersyncConfig } from '../config/types.js';
import { buildBatchArgs, buildFullSyncArgs } from '../rsync/args.js';
import { shellLine, shellQuote } from '../rsync/shell-quote.js';
import { TOGGLES_FOR } from '../daemon/event-policy.js';

/** `--check`: what the agent would do with this config, as readable lines. */
export function describePlan(config: SersyncConfig, initialSync: boolean): string[] {
  const out: string[] = [`config ${config.file}: OK`];
  const t = config.inotify;
  const acted = Object.entries(TOGGLES_FOR)
    .map(([kind, toggles]) => `${kind}=${toggles.some((x) => t[x]) ? 'sync' : 'ignore'}`)
    .join(' ');
  out.push(`events: ${acted}`);
  out.push(`debounce: ${config.debounce.delayMs} ms quiet, at most ${config.debounce.maxDelayMs} ms`);
  if (config.filter.enabled) out.push(`filter: exclude ${config.filter.excludes.map((e) => JSON.stringify(e)).join(', ')}`);
  for (const root of config.roots) {
    out.push(`watch ${root.path}`);
    for (const remote of root.remotes) {
      const batch = buildBatchArgs(config.rsync, remote, { deleteEnabled: t.delete });
      out.push(`  -> ${remote.label}`);
      out.push(`     batch:     cd ${shellQuote(root.path)} && printf '%s\\0' PATH... | ${shellLine(['rsync', ...batch])}`);
      if (initialSync) {
        const full = buildFullSyncArgs(config.rsync, remote, { deleteEnabled: t.delete });
        out.push(`     full sync: cd ${shellQuote(root.path)} && ${shellLine(['rsync', ...full])}`);
      }
    }
  }
  return out;
}
