import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawnSync } from 'node:child_process';
import { projectRoot } from '../../helpers/paths.js';
import { freePort, makeTestDir, startSite, type Site } from '../../helpers/rsyncd.js';
import { startAgentOn } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';

const RULES = path.join(projectRoot, 'config', 'prometheus', 'sersync-ts.rules.yml');
const RULES_TEST = path.join(projectRoot, 'config', 'prometheus', 'sersync-ts.rules.test.yml');
const DASHBOARD = path.join(projectRoot, 'config', 'grafana', 'sersync-ts.json');

/** The scheduled verify's gauges (the test config schedules one): queried, and in the scrape. */
const VERIFY_METRICS: readonly string[] = ['sersync_verify_drift_paths', 'sersync_verify_last_run_timestamp_seconds'];
/** The receiver's <versions> directory is not part of the mirror. */
const inVersions = (rel: string): boolean => rel.startsWith('.sersync-versions');
/** Series Prometheus itself adds to every target (not in the agent's /metrics). */
const PROMETHEUS_SERIES: readonly string[] = ['up'];

/** promtool from PATH, else where `scripts/ensure-deps.sh --test` puts it. */
function promtool(): string {
  const onPath = spawnSync('sh', ['-c', 'command -v promtool'], { encoding: 'utf8' }).stdout.trim();
  if (onPath) return onPath;
  const cached = path.join(
    process.env['XDG_CACHE_HOME'] ?? path.join(os.homedir(), '.cache'),
    'sersync-ts',
    'tools',
    'promtool',
  );
  assert.ok(
    fs.existsSync(cached),
    `promtool not found on PATH nor at ${cached}: run bash scripts/ensure-deps.sh --test`,
  );
  return cached;
}

function runPromtool(args: readonly string[]): { code: number | null; out: string } {
  const r = spawnSync(promtool(), args, { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

const FUNCTION_LIKE = /\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g;
const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'by', 'without', 'on', 'ignoring', 'inf', 'nan']);

/** The metric names a PromQL expression (or a Grafana label_values() query) selects. */
function metricNames(expr: string): string[] {
  const e = expr
    .replace(/label_values\(\s*([a-zA-Z_:][\w:]*)[^)]*\)/g, ' $1 ')
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, ' ')
    .replace(/\[[^\]]*\]/g, ' ')
    .replace(FUNCTION_LIKE, ' ');
  const out: string[] = [];
  for (const m of e.matchAll(/(?<![\w.$])[a-zA-Z_:][\w:]*/g)) {
    const rest = e.slice(m.index + m[0].length);
    if (/^\s*\(/.test(rest) || KEYWORDS.has(m[0].toLowerCase())) continue;
    out.push(m[0]);
  }
  return out;
}

interface Panel {
  readonly title?: string;
  readonly targets?: ReadonlyArray<{ readonly expr?: string }>;
  readonly panels?: readonly Panel[];
}
interface Dashboard {
  readonly panels: readonly Panel[];
  readonly templating: {
    readonly list: ReadonlyArray<{ readonly type: string; readonly query?: string | { readonly query: string } }>;
  };
}

function dashboardExprs(): string[] {
  const d = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as Dashboard;
  const walk = (ps: readonly Panel[]): string[] =>
    ps.flatMap((p) => [...(p.targets ?? []).flatMap((t) => (t.expr ? [t.expr] : [])), ...walk(p.panels ?? [])]);
  return walk(d.panels);
}

function templatingQueries(): string[] {
  const d = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as Dashboard;
  return d.templating.list
    .filter((v) => v.type === 'query')
    .map((v) => (typeof v.query === 'string' ? v.query : v.query!.query));
}

/** The `expr:` lines of the rules file (kept one line each there). */
function ruleExprs(): string[] {
  return [...fs.readFileSync(RULES, 'utf8').matchAll(/^\s+expr: (.+)$/gm)].map((m) => m[1]!);
}

function get(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
      .on('error', reject);
  });
}

/** Names of the samples in a Prometheus text exposition (histograms as _bucket/_sum/_count). */
function sampleNames(text: string): Set<string> {
  return new Set(
    text
      .split('\n')
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => /^[a-zA-Z_:][\w:]*/.exec(l)![0]),
  );
}

describe('Prometheus rules and the Grafana dashboard', () => {
  it('metricNames reads selectors, not functions, labels, strings, ranges or keywords', () => {
    assert.deepEqual(
      metricNames(
        'sum by (job, instance, root) (increase(sersync_a_total{x="y"}[10m])) > 0 unless on (job) sersync_b{state="down"} == 1',
      ),
      ['sersync_a_total', 'sersync_b'],
    );
    assert.deepEqual(
      metricNames(
        'histogram_quantile(0.95, sum by (le) (rate(sersync_h_bucket{i=~"$instance"}[$__rate_interval]))) or vector(0)',
      ),
      ['sersync_h_bucket'],
    );
    assert.deepEqual(metricNames('time() - max(sersync_t{instance=~"$instance"})'), ['sersync_t']);
    assert.deepEqual(metricNames('label_values(sersync_up{instance=~"$instance"}, root)'), ['sersync_up']);
    assert.deepEqual(metricNames('up{job="sersync-ts"} == 0'), ['up']);
  });

  it('promtool check rules and promtool test rules pass', () => {
    const check = runPromtool(['check', 'rules', RULES]);
    assert.equal(check.code, 0, check.out);
    // Every alert of the file, counted from it: a rule promtool did not load would show here.
    assert.match(check.out, new RegExp(`SUCCESS: ${ruleExprs().length} rules found`));
    const test = runPromtool(['test', 'rules', RULES_TEST]);
    assert.equal(test.code, 0, test.out);
    assert.match(test.out, /SUCCESS/);
    // Every alert of the rules file has a case in the test file.
    const alerts = [...fs.readFileSync(RULES, 'utf8').matchAll(/^\s+- alert: (\w+)$/gm)].map((m) => m[1]!);
    const tested = new Set([...fs.readFileSync(RULES_TEST, 'utf8').matchAll(/alertname: (\w+)$/gm)].map((m) => m[1]!));
    assert.deepEqual(
      alerts.filter((a) => !tested.has(a)),
      [],
    );
  });

  it("every dashboard query is valid PromQL (promtool parses each as a recording rule, Grafana's variables filled in)", (t) => {
    const exprs = dashboardExprs();
    assert.ok(exprs.length >= 25, `only ${exprs.length} dashboard queries found`);
    const rules = {
      groups: [
        {
          name: 'dashboard',
          rules: exprs.map((e, i) => ({ record: `dashboard:query${i}`, expr: e.replace(/\$__rate_interval/g, '5m') })),
        },
      ],
    };
    const { tmp } = makeTestDir('dash', { t });
    const file = path.join(tmp, 'dashboard.rules.yml');
    fs.writeFileSync(file, JSON.stringify(rules, null, 2));
    const r = runPromtool(['check', 'rules', file]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, new RegExp(`SUCCESS: ${exprs.length} rules found`));
  });

  describe('against a running agent', () => {
    let site: Site;
    let daemon: Site['daemon'];
    let statusPort: number;
    let src: string;

    before(async () => {
      site = await startSite('monitoring');
      ({ src, daemon } = site);
      statusPort = await freePort();
      fs.writeFileSync(path.join(src, 'before.txt'), 'there before the agent\n');
      await startAgentOn(
        site,
        {
          statusPort,
          // A plugin beside syncing (its counters exist only then), failing on every path.
          extraSersync: '<plugin start="true" name="command"/>\n    <verify schedule="0.02" repair="false"/>',
          extraHead:
            '<plugin name="command"><param prefix="/bin/false" suffix="" ignoreError="true"/><filter start="false"></filter></plugin>',
        },
        ['-r'],
        // <versions> on: its counters and the retention run's gauges (one runs right after start).
        { edit: (xml) => xml.replace('<ssh start=', '<versions start="true" keep="1d"/>\n      <ssh start=') },
      );
    });
    after(() => site?.close());

    it('every metric the rules and the dashboard query is in its /metrics', async () => {
      const metrics = (): Promise<string> => get(`http://127.0.0.1:${statusPort}/metrics`);
      // Delivered changes: events, batches, rsync runs, bytes, durations, plugin calls.
      fs.writeFileSync(path.join(src, 'a.txt'), 'delivered\n');
      await waitForMirror(src, daemon.modules['www']!, 'first change', { exclude: inVersions });
      // The retention run right after the start lists the remote, and its gauges come from that
      // listing. Seen once in CI on a loaded machine: that run was postponed (an hour, to the next
      // run) and the gauges were missing at the end, most likely because it had not finished
      // listing when the remote was stopped below. So the remote stops only after that run, which
      // must have succeeded.
      await waitFor(async () => /^sersync_versions_retention_runs_total\{[^}]*\} [1-9]/m.test(await metrics()), {
        timeoutMs: 60_000,
        what: 'the retention run after the start',
      });
      assert.match(await metrics(), /^sersync_versions_retention_runs_total\{[^}]*result="ok"\} 1$/m);
      // The remote goes away: failures by exit code, the lane down, the fail log.
      await daemon.stop();
      fs.writeFileSync(path.join(src, 'b.txt'), 'while the remote is down\n');
      await waitFor(
        async () =>
          /^sersync_lane_state\{[^}]*state="down"\} 1$/m.test(await metrics()) &&
          /^sersync_faillog_paths\{[^}]*\} [1-9]/m.test(await metrics()),
        { timeoutMs: 60_000, what: 'the lane down with paths in the fail log' },
      );
      await daemon.start();
      await waitForMirror(src, daemon.modules['www']!, 'after the remote came back', { exclude: inVersions });

      const queried = new Set([...ruleExprs(), ...dashboardExprs(), ...templatingQueries()].flatMap(metricNames));
      // The parse found the families the rules and panels are about (not an empty set).
      for (const n of [
        'sersync_lane_state',
        'sersync_rsync_failures_total',
        'sersync_overflows_total',
        'sersync_faillog_paths',
        'sersync_rsync_duration_seconds_bucket',
        'sersync_plugin_failures_total',
        'sersync_versions_files_total',
        'sersync_versions_kept_bytes',
        'sersync_versions_retention_runs_total',
        ...VERIFY_METRICS,
      ]) {
        assert.ok(queried.has(n), `${n} is not queried by the rules or the dashboard`);
      }
      const required = [...queried].filter((n) => !PROMETHEUS_SERIES.includes(n));
      assert.deepEqual(
        [...queried].filter((n) => !n.startsWith('sersync_') && !PROMETHEUS_SERIES.includes(n)),
        [],
        "queries of series that are neither the agent's nor Prometheus'",
      );
      let text = '';
      await waitFor(
        async () => {
          text = await metrics();
          const have = sampleNames(text);
          return required.every((n) => have.has(n));
        },
        { timeoutMs: 30_000, what: 'every queried metric in /metrics' },
      ).catch(() => undefined);
      const have = sampleNames(text);
      assert.deepEqual(
        required.filter((n) => !have.has(n)),
        [],
        `missing from a real scrape:\n${text}`,
      );
      // The rare-event counters are there before their event, at 0.
      assert.match(text, /^sersync_overflows_total 0$/m);
      assert.match(text, /^sersync_rsync_failures_total\{[^}]*exit_code="10"\} [1-9]\d*$/m);
    });
  });
});
