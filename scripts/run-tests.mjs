#!/usr/bin/env node
// The staged test run (scripts/test.sh calls it after installing and building):
//   gate:        type check, lint, format check, the size rules (scripts/house/size-check.mjs) and
//                the unit tests, in parallel (fails fast);
//   integration: test/integration split into shards run in parallel, each file in its own
//                `node --test` so its wall time is known. Files that cannot share the machine run
//                first, alone (SOLO), or one after another in their own shard (SERIAL).
// Usage: node scripts/run-tests.mjs [all|gate|integration]. The closing lines are node's test
// summary (# tests / # pass / # fail) summed over every file and shard; exit 1 on any failure.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const stage = process.argv[2] ?? 'all';
const INTEGRATION = 'dist/test/integration';
/** Per-file durations in seconds (measured, .ci/durations.json): the shards are balanced with them. */
const DURATIONS = JSON.parse(fs.readFileSync('.ci/durations.json', 'utf8'));
/** Alone, before the shards: `npm pack` runs prepack, which rewrites dist/ under every other running test. */
const SOLO = ['package/npm.test.js'];
/**
 * One at a time, beside the shards: heavy trees (40,000 directories, 20,000 files, big scans), and
 * the brake's test. It needs the whole rm -rf seen before the first removals ship, and ran alone
 * (42 s) until issue #22 asked for CI in 8 minutes: the removal gate waits for a settled watcher
 * and 1 s without removals, so only a stall of the test's own rm over 1 s splits it. If it ever
 * fails that way, it goes back into SOLO.
 */
const SERIAL = [
  'agent/early-events.test.js',
  'watch/dirwatch.test.js',
  'watch/scan.test.js',
  'agent/delete-guard.test.js',
];
/** Shards besides the serial one (the longest file, the deb package's, takes about 4.5 min in CI). */
const SHARDS = Number(process.env['SERSYNC_TEST_SHARDS'] ?? 5);
const logDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sersync-tests-'));
/** What test files of this run share (the packages, built once: test/helpers/packages.ts); removed at the end. */
const sharedDir = path.join(logDir, 'shared');
process.env['SERSYNC_TS_TEST_SHARED_DIR'] = sharedDir;

const totals = { tests: 0, pass: 0, fail: 0, cpu: 0, files: [] };
const secs = (ms) => (ms / 1000).toFixed(1);

/** Runs a command, its output into a log file; resolves to { code, ms, log }. */
function run(name, cmd, args) {
  const log = path.join(logDir, `${name.replace(/[^\w.-]+/g, '_')}.log`);
  const out = fs.openSync(log, 'w');
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', out, out] });
    child.on('close', (code, signal) => {
      fs.closeSync(out);
      resolve({ name, code: code ?? (signal ? 128 : 1), ms: Date.now() - started, log });
    });
  });
}

function tail(log, lines) {
  return fs.readFileSync(log, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** node --test's summary counts in a log, and the CPU seconds of its children that bash's `times` wrote last. */
function counts(log) {
  const text = fs.readFileSync(log, 'utf8');
  const n = (k) => Number(new RegExp(`^# ${k} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  const t = /^(\d+)m([\d.]+)s (\d+)m([\d.]+)s\n?$/.exec(text.slice(text.trimEnd().lastIndexOf('\n') + 1));
  const cpu = t ? 60 * (Number(t[1]) + Number(t[3])) + Number(t[2]) + Number(t[4]) : NaN;
  return { tests: n('tests'), pass: n('pass'), fail: n('fail') + n('cancelled'), cpu };
}

/**
 * One `node --test` under bash, whose `times` (the last line of the log) gives the CPU seconds of
 * everything the file ran: on 2 cores CPU, not wall time, is what one file takes from the others.
 */
function nodeTest(name, files, concurrency = 1) {
  // Not `times | ...`: a pipeline's subshell has no children of its own to report.
  const script = '"$@"; s=$?; times; exit $s';
  return run(name, 'bash', [
    '-c',
    script,
    'node-test',
    process.execPath,
    '--test',
    `--test-concurrency=${concurrency}`,
    '--test-timeout=600000',
    '--test-reporter=tap',
    ...files,
  ]);
}

function record(r) {
  const c = counts(r.log);
  totals.tests += c.tests;
  totals.cpu += Number.isNaN(c.cpu) ? 0 : c.cpu;
  totals.pass += c.pass;
  totals.fail += c.fail;
  if (r.code !== 0 && c.fail === 0) totals.fail += 1; // a file that crashed before its summary
  totals.files.push({ name: r.name, ms: r.ms, ok: r.code === 0, ...c });
  if (r.code !== 0) console.log(`--- ${r.name} FAILED (exit ${r.code}); its log ends:\n${tail(r.log, 80)}\n---`);
  return r.code === 0;
}

async function gate() {
  console.log('== stage 1, the gate: type check, lint, format check, unit tests (in parallel)');
  const started = Date.now();
  const npx = (bin, ...a) => [process.execPath, [path.join('node_modules', '.bin', bin), ...a]];
  const jobs = await Promise.all([
    run('typecheck', ...npx('tsc', '-p', 'tsconfig.json', '--noEmit')),
    run('lint', ...npx('eslint', '.')),
    run('format', ...npx('prettier', '--check', '.')),
    run('size', process.execPath, ['scripts/house/size-check.mjs']),
    nodeTest('unit', ['dist/test/unit']),
  ]);
  let ok = true;
  for (const j of jobs) {
    console.log(`   ${j.name}: ${j.code === 0 ? 'ok' : `FAILED (exit ${j.code})`} in ${secs(j.ms)} s`);
    if (j.name === 'unit') ok = record(j) && ok;
    else if (j.code !== 0) {
      ok = false;
      totals.fail += 1;
      console.log(`--- ${j.name} output ends:\n${tail(j.log, 60)}\n---`);
    }
  }
  console.log(`== gate: ${ok ? 'passed' : 'FAILED'} in ${secs(Date.now() - started)} s`);
  return ok;
}

function integrationFiles() {
  const out = [];
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.test.js')) out.push(path.relative(INTEGRATION, p));
    }
  };
  walk(INTEGRATION);
  return out.sort();
}

/**
 * Longest first, each to the shard with the least work so far. `serial` is a shard too (its files
 * run one after another like every shard's): it starts with its own files' load and takes others.
 */
function balance(serial, files, n) {
  const est = (f) => DURATIONS[f] ?? 60;
  const shards = [
    { name: 'serial', files: [...serial], s: serial.reduce((t, f) => t + est(f), 0) },
    ...Array.from({ length: n }, (_, i) => ({ name: `shard ${i + 1}`, files: [], s: 0 })),
  ];
  for (const f of [...files].sort((a, b) => est(b) - est(a))) {
    const s = shards.reduce((m, x) => (x.s < m.s ? x : m));
    s.files.push(f);
    s.s += est(f);
  }
  return shards;
}

async function runShard(name, files) {
  const started = Date.now();
  let ok = true;
  for (const f of files) ok = record(await nodeTest(f, [path.join(INTEGRATION, f)])) && ok;
  return { name, ms: Date.now() - started, ok, files };
}

async function integration() {
  console.log('== stage 2, the integration tests (sharded)');
  const started = Date.now();
  const all = integrationFiles();
  const solo = all.filter((f) => SOLO.includes(f));
  const serial = all.filter((f) => SERIAL.includes(f));
  const rest = all.filter((f) => !SOLO.includes(f) && !SERIAL.includes(f));
  let ok = (await runShard('solo', solo)).ok;
  const plan = balance(serial, rest, SHARDS);
  const done = await Promise.all(plan.map((p) => runShard(p.name, p.files)));
  for (const d of done) {
    ok = d.ok && ok;
    console.log(`   ${d.name}: ${d.files.length} files in ${secs(d.ms)} s${d.ok ? '' : ' (FAILED)'}`);
  }
  console.log(`== integration: ${ok ? 'passed' : 'FAILED'} in ${secs(Date.now() - started)} s`);
  return ok;
}

const started = Date.now();
let ok = true;
if (stage === 'all' || stage === 'gate') ok = await gate();
if (ok && (stage === 'all' || stage === 'integration')) ok = (await integration()) && ok;
console.log(`== per-file wall time and CPU time (s; ${totals.cpu.toFixed(0)} CPU seconds in all):`);
for (const f of [...totals.files].sort((a, b) => b.ms - a.ms))
  console.log(`   ${secs(f.ms).padStart(6)} ${f.cpu.toFixed(1).padStart(6)}  ${f.ok ? 'ok  ' : 'FAIL'}  ${f.name}`);
fs.rmSync(sharedDir, { recursive: true, force: true });
console.log(`== total ${secs(Date.now() - started)} s; logs in ${logDir}`);
console.log(`${totals.pass} passed, ${totals.fail} failed`);
console.log(`# tests ${totals.tests}\n# pass ${totals.pass}\n# fail ${totals.fail}`);
process.exit(ok && totals.fail === 0 ? 0 : 1);
