// Imported (a CommonJS package): what ships is bundled (scripts/bundle.mjs), so node's export
// lexer, which made createRequire the cheaper way in (issue 21), no longer runs over it.
import winston from 'winston';

/**
 * Level policy: debug = for developers (argv, per-batch path lists; lazy, so free when off);
 * info = normal work (one line per batch, start/stop); warn = something that will be retried or
 * was ignored; error = something a human must fix.
 */
export interface Logger {
  debug(msg: string | (() => string)): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  readonly debugEnabled: boolean;
  child(scope: string): Logger;
  /** Resolves once everything logged so far is written (call before process exit). */
  flush(): Promise<void>;
  /** Reopens the log file (after logrotate moved it); no-op when logging to stderr. */
  reopen(): void;
}

interface LoggerOptions {
  level?: 'debug' | 'info' | 'warn' | 'error';
  format?: 'text' | 'json';
  /** Log to this file instead of stderr. */
  file?: string;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const { combine, timestamp, printf, json } = winston.format;
  const text = printf(
    (i) =>
      `${String(i['timestamp'])} ${i.level.toUpperCase().padEnd(5)} ${typeof i['scope'] === 'string' && i['scope'] ? `[${i['scope']}] ` : ''}${String(i.message)}`,
  );
  const makeTransport = (): winston.transport =>
    opts.file
      ? new winston.transports.File({ filename: opts.file })
      : new winston.transports.Console({ stderrLevels: ['error', 'warn', 'info', 'debug'] });
  let transport = makeTransport();
  const root = winston.createLogger({
    level: opts.level ?? 'info',
    format: combine(timestamp(), opts.format === 'json' ? json() : text),
    transports: [transport],
  });
  const reopen = (): void => {
    if (!opts.file) return;
    const old = transport;
    transport = makeTransport();
    root.add(transport);
    root.remove(old);
    old.close?.();
  };
  return wrap(root, undefined, reopen);
}

function wrap(w: winston.Logger, scope: string | undefined, reopen: () => void): Logger {
  const meta = scope ? { scope } : {};
  const debugEnabled = w.isDebugEnabled();
  return {
    debugEnabled,
    debug: (msg) => {
      if (debugEnabled) w.debug(typeof msg === 'function' ? msg() : msg, meta);
    },
    info: (msg) => void w.info(msg, meta),
    warn: (msg) => void w.warn(msg, meta),
    error: (msg) => void w.error(msg, meta),
    child: (s) => wrap(w, scope ? `${scope}/${s}` : s, reopen),
    reopen,
    flush: () =>
      new Promise<void>((resolve) => {
        // winston ends transports on 'finish'; a short grace keeps this from hanging forever.
        const t = setTimeout(resolve, 2000);
        w.on('finish', () => {
          clearTimeout(t);
          resolve();
        });
        w.end();
      }),
  };
}

/** A logger that records lines in memory: for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const make = (scope: string | undefined): Logger => ({
    debugEnabled: true,
    debug: (m) => void lines.push(`debug ${scope ?? ''} ${typeof m === 'function' ? m() : m}`),
    info: (m) => void lines.push(`info ${scope ?? ''} ${m}`),
    warn: (m) => void lines.push(`warn ${scope ?? ''} ${m}`),
    error: (m) => void lines.push(`error ${scope ?? ''} ${m}`),
    child: (s) => make(scope ? `${scope}/${s}` : s),
    flush: async () => {},
    reopen: () => {},
  });
  return Object.assign(make(undefined), { lines });
}
