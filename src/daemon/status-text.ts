import type { BrakeStatus } from './deletion-brake.js';

/**
 * The /status description: held deletions are not delivered, so "everything delivered" would be
 * a lie while the mass-deletion brake holds some.
 */
export function describeState(
  text: string,
  watching: boolean,
  roots: readonly { readonly brake?: BrakeStatus }[],
): string {
  const held = roots.reduce((n, r) => n + (r.brake?.heldDeletions ?? 0), 0);
  if (!watching || held === 0) return text;
  return `watching; everything delivered except ${held} deletion(s) held by the mass-deletion brake (sersync-ts release-deletes)`;
}
