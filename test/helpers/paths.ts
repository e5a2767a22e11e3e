import path from 'node:path';

/** Tests run from the project root (npm test / scripts/test.sh cd there first). */
export const projectRoot: string = process.env['SERSYNC_ROOT'] ?? process.cwd();

export function fixture(...parts: string[]): string {
  return path.join(projectRoot, 'test', 'fixtures', ...parts);
}
