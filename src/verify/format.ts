import { formatBytes } from '../lane/lane.js';
import { displayQuote } from '../rsync/shell-quote.js';
import { driftCount, type DriftList, type DriftSample, type VerifyReport } from './report.js';

/** The outcome of comparing one (root, remote). */
export type LaneVerdict =
  | { readonly kind: 'checked'; readonly report: VerifyReport }
  | { readonly kind: 'unchecked'; readonly root: string; readonly remote: string; readonly reason: string };

/** `sersync-ts verify`'s exit code: 2 when any remote could not be checked, else 1 on any drift, else 0. */
export function verifyExitCode(verdicts: readonly LaneVerdict[]): 0 | 1 | 2 {
  if (verdicts.some((v) => v.kind === 'unchecked')) return 2;
  return verdicts.some((v) => v.kind === 'checked' && driftCount(v.report) > 0) ? 1 : 0;
}

export const count = (n: number): string => n.toLocaleString('en-US');

/** A name as one shell word on one line (see displayQuote): a hostile name cannot run or forge anything. */
function showPath(s: DriftSample): string {
  return displayQuote(s.isDir && s.path !== '.' ? `${s.path}/` : s.path);
}

/** Text from rsync or the system, on one line with no control characters. */
export function oneLine(text: string): string {
  return text
    .replace(/[\r\n]+/g, ' / ')
    .replace(/[\u0000-\u001f\u007f-\u009f]/g, '?')
    .trim();
}

function section(title: string, list: DriftList, indent: string): string[] {
  if (list.count === 0) return [];
  const more =
    list.count > list.first.length ? [`${indent}  ... and ${count(list.count - list.first.length)} more`] : [];
  return [`${indent}${title} (${count(list.count)}):`, ...list.first.map((s) => `${indent}  ${showPath(s)}`), ...more];
}

function totals(r: VerifyReport): string {
  const files = r.checkedFiles !== null ? `${count(r.checkedFiles)} entries checked` : 'entries checked: unknown';
  const bytes = r.bytes !== null ? `, ${formatBytes(r.bytes)} compared by checksum` : '';
  return `${files}${bytes}, ${(r.durationMs / 1000).toFixed(1)} s`;
}

/** One (root, remote) for the terminal: a headline, then the first paths of each kind. */
export function formatVerdict(v: LaneVerdict, indent = '  '): string[] {
  if (v.kind === 'unchecked') return [`${v.root} -> ${v.remote}: CANNOT BE CHECKED: ${oneLine(v.reason)}`];
  const r = v.report;
  const noExtras = r.extra === null ? '; extra remote files not looked for (<delete start="false"> keeps them)' : '';
  const n = driftCount(r);
  if (n === 0) return [`${r.root} -> ${r.remote}: identical (${totals(r)})${noExtras}`];
  const parts = [
    `${count(r.differs.count)} differ`,
    `${count(r.missing.count)} missing on the remote`,
    ...(r.extra ? [`${count(r.extra.count)} extra on the remote`] : []),
  ];
  return [
    `${r.root} -> ${r.remote}: DRIFT: ${count(n)} path${n === 1 ? '' : 's'} (${parts.join(', ')}); ${totals(r)}${noExtras}`,
    ...section('differ', r.differs, indent),
    ...section('missing on the remote', r.missing, indent),
    ...(r.extra ? section('extra on the remote', r.extra, indent) : []),
  ];
}

/** The first paths of every kind on one line (for a warning in the agent's log). */
export function driftSampleLine(r: VerifyReport, max = 20): string {
  const all = [...r.differs.first, ...r.missing.first, ...(r.extra?.first ?? [])];
  const shown = all.slice(0, max).map(showPath).join(' ');
  const n = driftCount(r);
  return n > Math.min(max, all.length) ? `${shown} ... (${count(n - Math.min(max, all.length))} more)` : shown;
}
