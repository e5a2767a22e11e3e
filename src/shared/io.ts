/** Where a command's output lines go (stdout and stderr in main.ts, arrays in tests). */
export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
}
