import { fromText, type BytePath } from '../shared/bytepath.js';
import { decodePath, encodePath } from '../shared/path-codec.js';
import { resendCommand, shellLine, shellQuote } from '../rsync/shell-quote.js';

/** What a down lane could not deliver: re-sent (as current state) once the remote answers. */
export interface FailRecord {
  /** When it was recorded (ms since the epoch). */
  readonly time: number;
  readonly root: string;
  /** The remote's label, e.g. `127.0.0.1::www`. */
  readonly remote: string;
  readonly exitCode: number;
  readonly reason: string;
  /** A whole-root sync rather than a list of paths. */
  readonly full: boolean;
  readonly paths: readonly BytePath[];
  /** The rsync argv (after "rsync") that re-sends the paths, as the agent runs it. */
  readonly argv: readonly string[];
}

const RECORD_MARK = '# sersync-ts-fail v1 ';

const HEADER = [
  '#!/bin/sh',
  '# sersync-ts fail log: what could not be delivered to a remote yet.',
  '# The agent replays it by itself (from the "# sersync-ts-fail" records, never through sh) when',
  '# the remote answers again and every <failLog timeToExecute> minutes; an entry leaves this file',
  '# only after it was delivered. You may also run it by hand: sh THIS_FILE',
  '# Every value below is single-quoted; file names are never interpreted by the shell.',
  '',
].join('\n');

/**
 * One entry: a comment line holding the machine-readable record, then one command that re-sends
 * the same paths the way the agent does (paths NUL-separated into rsync's stdin). Built as a
 * byte string (latin1) so non-UTF-8 names are written as their exact bytes.
 */
function encodeEntry(record: FailRecord): BytePath {
  const json = JSON.stringify({
    time: new Date(record.time).toISOString(),
    root: record.root,
    remote: record.remote,
    exitCode: record.exitCode,
    reason: record.reason,
    full: record.full,
    paths: record.paths.map(encodePath),
    argv: record.argv,
  });
  const command =
    record.full && record.argv.includes('--delete')
      ? guardedFullSync(record)
      : resendCommand(record.root, record.argv, record.full ? null : record.paths);
  // The JSON is ASCII except for UTF-8 text in names and reasons: store it as its UTF-8 bytes.
  return `${fromText(RECORD_MARK + json.replace(/\n/g, '\\n'))}\n${command}\n\n`;
}

/**
 * A deleting full sync run by hand gets the agent's own safety check: an empty root (an unmounted
 * volume) would otherwise wipe the remote.
 */
function guardedFullSync(record: FailRecord): BytePath {
  const refuse = fromText(
    shellQuote(
      `sersync-ts: ${record.root} is empty or unreadable: not running a deleting full sync (it would wipe the remote)`,
    ),
  );
  return `cd ${fromText(shellQuote(record.root))} && { [ -n "$(ls -A)" ] || { echo ${refuse} >&2; false; }; } && ${fromText(shellLine(['rsync', ...record.argv]))}`;
}

export function encodeFailLog(records: readonly FailRecord[], extra: readonly BytePath[] = []): Buffer {
  const body = records.map(encodeEntry).join('');
  return Buffer.from(`${HEADER}\n${body}${extra.join('')}`, 'latin1');
}

interface ParsedFailLog {
  readonly records: FailRecord[];
  readonly corrupt: { readonly line: number; readonly reason: string; readonly text: BytePath }[];
  /** Entries written by the old sersync (`#errno N` + a command): counted, never executed. */
  legacy: number;
  /** Their text, kept verbatim so nothing an operator may need is thrown away. */
  readonly legacyText: BytePath[];
}

/** Reads a fail log; a corrupt record is reported and skipped, the rest still parse. */
export function parseFailLog(bytes: Buffer): ParsedFailLog {
  const lines = bytes.toString('latin1').split('\n');
  const out: ParsedFailLog = { records: [], corrupt: [], legacy: 0, legacyText: [] };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.startsWith('#errno')) {
      out.legacy++;
      out.legacyText.push(`${line}\n${lines[i + 1] ?? ''}\n`);
      i++;
      continue;
    }
    if (!line.startsWith(RECORD_MARK)) continue;
    const rec = decodeRecord(Buffer.from(line.slice(RECORD_MARK.length), 'latin1').toString('utf8'));
    if (typeof rec === 'string')
      out.corrupt.push({ line: i + 1, reason: rec, text: `${line}\n${lines[i + 1] ?? ''}\n` });
    else out.records.push(rec);
  }
  return out;
}

function decodeRecord(json: string): FailRecord | string {
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(json) as Record<string, unknown>;
  } catch (err) {
    return `not valid JSON (${(err as Error).message})`;
  }
  const time = typeof o['time'] === 'string' ? Date.parse(o['time']) : NaN;
  if (!Number.isFinite(time)) return 'missing or bad "time"';
  if (typeof o['root'] !== 'string' || typeof o['remote'] !== 'string') return 'missing "root" or "remote"';
  if (!Array.isArray(o['paths'])) return 'missing "paths"';
  const argv = o['argv'];
  if (!Array.isArray(argv) || !argv.every((a) => typeof a === 'string')) return 'missing "argv"';
  const paths: BytePath[] = [];
  for (const p of o['paths']) {
    const d = decodePath(p);
    if (d === null) return 'a path that is neither a string nor {"b64": ...}';
    paths.push(d);
  }
  return {
    time,
    root: o['root'],
    remote: o['remote'],
    exitCode: typeof o['exitCode'] === 'number' ? o['exitCode'] : -1,
    reason: typeof o['reason'] === 'string' ? o['reason'] : '',
    full: o['full'] === true,
    paths,
    argv: argv,
  };
}

/** One record per (root, remote): the union of paths; a full sync absorbs the paths. */
export function mergeRecord(existing: FailRecord | undefined, next: FailRecord): FailRecord {
  if (!existing) return next;
  const full = existing.full || next.full;
  const paths = full ? [] : [...new Set([...existing.paths, ...next.paths])];
  return { ...next, full, paths };
}
