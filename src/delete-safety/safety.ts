import fs from 'node:fs/promises';

/**
 * A full sync with --delete mirrors whatever the root holds. If the root is missing or empty
 * (an unmounted volume, a deploy half-way through a swap) that would wipe the remote, so we
 * refuse and say why. Returns null when it is safe, else the reason.
 */
export async function unsafeRootReason(rootAbs: string): Promise<string | null> {
  let st;
  try {
    st = await fs.stat(rootAbs);
  } catch {
    return `watch root ${rootAbs} does not exist; refusing a deleting full sync (it would empty the remote)`;
  }
  if (!st.isDirectory()) return `watch root ${rootAbs} is not a directory; refusing a deleting full sync`;
  const dir = await fs.opendir(rootAbs);
  const first = await dir.read();
  await dir.close();
  if (first === null) {
    return `watch root ${rootAbs} is empty (unmounted volume?); refusing a deleting full sync that would empty the remote — put a file in it if empty is really meant`;
  }
  return null;
}
