/** What the config checks need to know about the disk; load.ts supplies the real one. */
export interface DiskProbe {
  /** null when the path does not exist (or cannot be reached). */
  stat(path: string): { isDirectory: boolean; mode: number; uid: number } | null;
  /** File content, or an error message. */
  readText(path: string): { text: string } | { error: string };
}
