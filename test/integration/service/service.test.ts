import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { freePort, makeTestDir, startSite, type RsyncDaemon, type Site } from '../../helpers/rsyncd.js';
import { runAgentOn, startAgentOn, writeConfig, type AgentProcess } from '../../helpers/agent.js';
import { alive, cli } from '../../helpers/cli.js';
import { httpGet as get, notifyReceiver, statusOf } from '../../helpers/receivers.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';
import { projectRoot } from '../../helpers/paths.js';
import { SEAMED_CLI } from '../../helpers/seamed-main.js';

const converge = (src: string, dst: string, what: string, log?: () => string): Promise<void> =>
  waitForMirror(src, dst, what, { log: () => (log ? log().split('\n') : []) });

describe('-d: a daemon with a PID file and a supervisor', () => {
  let site: Site, tmp: string, src: string, dst: string, conf: string, pidFile: string, logFile: string;
  before(async () => {
    site = await startSite('d');
    ({ tmp, src, dst } = site);
    conf = writeConfig(tmp, site.spec, 'c.xml');
    pidFile = path.join(tmp, 'sersync-ts.pid');
    logFile = path.join(tmp, 'agent.log');
    site.onClose(() => {
      try {
        process.kill(Number(fs.readFileSync(pidFile, 'utf8')), 'SIGKILL');
      } catch {
        /* stopped already */
      }
    });
  });
  after(() => site.close());
  const log = (): string => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');

  it('validates before detaching: a bad config exits 78 and starts nothing', () => {
    const bad = path.join(tmp, 'bad.xml');
    fs.writeFileSync(bad, fs.readFileSync(conf, 'utf8').replace('time="30"', 'time="x"'));
    const r = cli(['-d', '-o', bad, `--pid-file=${path.join(tmp, 'bad.pid')}`]);
    assert.equal(r.code, 78);
    assert.equal(fs.existsSync(path.join(tmp, 'bad.pid')), false);
  });

  it('starts in the background, writes the PID file, refuses a second instance, syncs', async () => {
    const r = cli(['-d', '-o', conf, `--pid-file=${pidFile}`, `--log-file=${logFile}`]);
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /running in the background \(pid \d+\)/);
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    assert.ok(alive(pid), 'the supervisor in the PID file runs');
    const again = cli(['-d', '-o', conf, `--pid-file=${pidFile}`, `--log-file=${logFile}`]);
    assert.equal(again.code, 1);
    assert.match(
      again.err,
      new RegExp(`already running \\(pid ${pid}, PID file ${pidFile.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)`),
    );
    fs.writeFileSync(path.join(src, 'via-daemon.txt'), 'x');
    await converge(src, dst, 'sync under -d', log);
  });

  it('restarts a worker that was SIGKILLed, and one that was SIGSTOPped (no heartbeats)', async () => {
    const workerPid = (): number =>
      Number(
        /worker started \(pid (\d+)\)/g.exec(
          [...log().matchAll(/worker started \(pid (\d+)\)/g)].pop()?.[0] ?? '',
        )?.[1],
      );
    const first = workerPid();
    process.kill(first, 'SIGKILL');
    await waitFor(() => /died \(signal SIGKILL\); restarting it/.test(log()) && workerPid() !== first, {
      timeoutMs: 20_000,
      what: 'restart after SIGKILL',
    });
    const second = workerPid();
    await waitFor(() => /ready in \d+ ms/.test(log().split(`worker started (pid ${second})`)[1] ?? ''), {
      what: 'second worker ready',
    });
    process.kill(second, 'SIGSTOP');
    await waitFor(() => /sent no heartbeat for \d+ s/.test(log()) && workerPid() !== second, {
      timeoutMs: 40_000,
      what: 'restart after SIGSTOP',
    });
    const third = workerPid();
    await waitFor(() => /ready in \d+ ms/.test(log().split(`worker started (pid ${third})`)[1] ?? ''), {
      what: 'third worker ready',
    });
    fs.writeFileSync(path.join(src, 'after-restarts.txt'), 'x');
    await converge(src, dst, 'sync after restarts', log);
  });

  it('SIGTERM to the daemon: everything delivered, PID file removed', async () => {
    const pid = Number(fs.readFileSync(pidFile, 'utf8'));
    fs.writeFileSync(path.join(src, 'last.txt'), 'x');
    process.kill(pid, 'SIGTERM');
    await waitFor(() => !alive(pid), { timeoutMs: 60_000, what: 'supervisor exit' });
    assert.equal(fs.existsSync(pidFile), false);
    assert.match(log(), /stopped; nothing pending/);
    await converge(src, dst, 'after TERM', log);
  });
});

describe('signals in the foreground: HUP reloads, USR1 reports', () => {
  let site: Site, src: string, daemon: RsyncDaemon, agent: AgentProcess, conf: string;
  before(async () => {
    site = await startSite('hup', { modules: ['a', 'b'] });
    ({ src, daemon } = site);
    fs.writeFileSync(path.join(src, 'existing.txt'), 'before the reload');
    agent = await startAgentOn(site, {}, ['-r']);
    conf = path.join(site.tmp, 'confxml.xml');
  });
  after(() => site.close());
  it('HUP with a remote added: it gets a full sync and then every change', async () => {
    await converge(src, daemon.modules['a']!, 'before reload');
    writeConfig(site.tmp, { ...site.spec, remotes: [{ module: 'a' }, { module: 'b' }] });
    agent.child.kill('SIGHUP');
    await agent.waitForLine(/config reloaded: 1 root\(s\), 2 remote\(s\)/);
    await converge(src, daemon.modules['b']!, 'new remote b');
    fs.writeFileSync(path.join(src, 'after-reload.txt'), 'x');
    await converge(src, daemon.modules['a']!, 'a after reload');
    await converge(src, daemon.modules['b']!, 'b after reload');
  });
  it('HUP with a broken config: rejected, the running one goes on', async () => {
    fs.writeFileSync(conf, '<head><sersync><localpath watch="/nope"></sersync></head>');
    agent.child.kill('SIGHUP');
    await agent.waitForLine(/keeping the running one/);
    fs.writeFileSync(path.join(src, 'after-bad-reload.txt'), 'x');
    await converge(src, daemon.modules['a']!, 'a after a rejected reload');
    await converge(src, daemon.modules['b']!, 'b after a rejected reload');
  });
  it('USR1 logs a status snapshot', async () => {
    agent.child.kill('SIGUSR1');
    await agent.waitForLine(
      /status: .* -> 127\.0\.0\.1::b: (idle|syncing|full-sync|retrying), \d+ pending, \d+ batches, last success/,
    );
    await agent.waitForLine(/status: state \w[\w-]*; \d+ events; \d+ fail-log entries; healthy/);
  });
});

describe('sd_notify: READY, WATCHDOG, STATUS, STOPPING on a datagram socket', () => {
  it('sends them to the socket named by NOTIFY_SOCKET', async (t) => {
    const site = await startSite('sd', { t });
    const recv = await notifyReceiver(site);
    const a = runAgentOn(site, {}, [], { file: 'c.xml', env: { NOTIFY_SOCKET: recv.sock, WATCHDOG_USEC: '1000000' } });
    const { text } = recv;
    await waitFor(() => /READY=1/.test(text()) && /WATCHDOG=1/.test(text()), {
      timeoutMs: 20_000,
      what: 'READY and WATCHDOG',
    });
    assert.match(text(), /STATUS=watching/);
    assert.equal(await a.stop(), 0);
    await waitFor(() => /STOPPING=1/.test(text()), { what: 'STOPPING' });
  });
});

describe('/healthz, /status and /metrics after a burst', () => {
  it('report what happened', async (t) => {
    const site = await startSite('status', { t });
    const { tmp, src, daemon } = site;
    const port = await freePort();
    fs.writeFileSync(path.join(src, 'before-start.txt'), 'x');
    // fullSyncs is pinned to 1 below: a canary writer starved on a loaded machine (which asks for a
    // full sync, by design) is tolerated for a minute, not 0.5 s.
    await startAgentOn(site, { statusPort: port }, ['-r'], {
      command: [process.execPath, SEAMED_CLI],
      env: { SERSYNC_TEST_CANARY_STALL_SLOTS: '600' },
    });
    for (let i = 0; i < 500; i++) fs.writeFileSync(path.join(src, `f${i}`), `${i}`);
    await converge(src, daemon.modules['www']!, 'burst');
    await waitFor(
      async () => {
        const s = await statusOf(port);
        const l = s.roots[0]?.remotes[0];
        return s.state === 'watching' && l?.state === 'idle' && l.pendingPaths === 0;
      },
      { what: 'state watching, the lane idle with nothing pending' },
    );
    const health = await get(`http://127.0.0.1:${port}/healthz`);
    assert.equal(health.status, 200);
    const status = await statusOf(port);
    const lane = status.roots[0]!.remotes[0]!;
    assert.equal(lane.remote, '127.0.0.1::www');
    assert.equal(lane.state, 'idle');
    assert.equal(lane.pendingPaths, 0);
    assert.ok(lane.lastSuccess);
    assert.ok(lane.batches >= 1);
    assert.equal(lane.fullSyncs, 1, 'the -r full sync');
    assert.ok(!Number.isNaN(Date.parse(lane.lastFullSyncAt ?? '')), `lastFullSyncAt ${lane.lastFullSyncAt}`);
    assert.equal(status.roots[0]!.watchedDirectories, 1);
    assert.ok(status.eventsSeen >= 500);
    const metrics = (await get(`http://127.0.0.1:${port}/metrics`)).body;
    const value = (re: RegExp): number => Number(re.exec(metrics)?.[1] ?? NaN);
    assert.ok(value(/^sersync_events_total\{root="[^"]+",kind="created"\} (\d+)$/m) >= 500);
    assert.ok(value(/^sersync_batches_total\{[^}]*result="ok"\} (\d+)$/m) >= 1);
    assert.ok(value(/^sersync_paths_synced_total\{[^}]*\} (\d+)$/m) >= 500);
    assert.equal(value(/^sersync_lane_state\{[^}]*state="idle"\} (\d+)$/m), 1);
    assert.match(metrics, /^# TYPE sersync_rsync_duration_seconds histogram$/m);
    const human = cli(['status', '-o', path.join(tmp, 'confxml.xml')]);
    assert.equal(human.code, 0, human.err);
    assert.match(human.out, /watching; everything delivered/);
    t.diagnostic(human.out.trim());
  });
});

describe('--check', () => {
  let site: Site, tmp: string, daemon: RsyncDaemon, src: string;
  before(async () => {
    site = await startSite('check');
    ({ tmp, src, daemon } = site);
  });
  after(() => site.close());
  const check = (name: string, mod: string, pw: string): ReturnType<typeof cli> => {
    const f = writeConfig(tmp, { ...site.spec, remotes: [{ module: mod }], passwordFile: pw }, name);
    return cli(['--check', '-o', f]);
  };
  it('a good module: every line ok, exit 0', () => {
    const r = check('good.xml', 'www', daemon.passwordFile);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(r.out, /^ok {3}rsync \d+\.\d+\.\d+$/m);
    assert.match(r.out, /^ok {3}inotify: 1 directories to watch/m);
    assert.match(r.out, /^ok {3}remote 127\.0\.0\.1::www: module answers \(as rsyncuser\)$/m);
  });
  it('a wrong password: FAIL with the daemon answer, exit 78', () => {
    const pw = path.join(tmp, 'wrong.pas');
    fs.writeFileSync(pw, 'nope\n', { mode: 0o600 });
    const r = check('wrong.xml', 'www', pw);
    assert.equal(r.code, 78);
    assert.match(
      r.out,
      /^FAIL remote 127\.0\.0\.1::www: @ERROR: auth failed on module www: this host or the receiving server must act; check, most likely first: \(1\) this host: the password file \S+wrong\.pas must hold exactly the password of "rsyncuser"/m,
    );
  });
  it('prints the commands the lanes run: protect rules and <crontabfilter> excludes included', () => {
    const f = writeConfig(
      tmp,
      { ...site.spec, filter: ['(.*)\\.tmp', '^cache/*'], crontabMin: 60 },
      'protect.xml',
      (xml) =>
        xml.replace(
          /<crontab ([^>]*)\/>/,
          '<crontab $1><crontabfilter start="true"><exclude expression="*.log"></exclude></crontabfilter></crontab>',
        ),
    );
    const r = cli(['--check', '-r', '-o', f]);
    assert.equal(r.code, 0, r.out + r.err);
    const batch = r.out.split('\n').find((l) => l.includes('batch:')) ?? '';
    const full = r.out.split('\n').find((l) => l.includes('full sync:')) ?? '';
    for (const line of [batch, full]) {
      assert.ok(line.includes("'--exclude=*.tmp'"), line);
      assert.ok(line.includes("'--exclude=/cache'"), line);
    }
    assert.ok(/--exclude[= ]'?\*\.log/.test(full), full);
    assert.ok(!/\*\.log/.test(batch), 'crontabfilter only applies to full syncs');
  });
  it('an unreachable remote: a WARN line, exit 0', async () => {
    const f = writeConfig(tmp, { ...site.spec, port: await freePort() }, 'down.xml');
    const r = cli(['--check', '-o', f]);
    assert.equal(r.code, 0, r.out + r.err);
    assert.match(
      r.out,
      /^WARN remote 127\.0\.0\.1::www: unreachable: .*Connection refused \(111\): the receiving server must act: is the rsync daemon running/m,
    );
    assert.doesNotMatch(r.out, /^FAIL/m);
  });
  it('an invalid config: 78 with one line per problem, plugin blocks included', () => {
    const bad = writeConfig(tmp, site.spec, 'bad.xml', (xml) => xml.replace('time="30"', 'time="abc"'));
    const r = cli(['--check', '-o', bad]);
    assert.equal(r.code, 78);
    assert.match(r.err, /bad\.xml:\d+: sersync\/rsync\/timeout@time: expected a positive integer, got "abc"/);
    const sock = writeConfig(
      tmp,
      {
        ...site.spec,
        extraSersync: '<plugin start="true" name="socket"/>',
        extraHead: `<plugin name="socket"><localpath watch="${src}"></localpath></plugin>`,
      },
      'sock.xml',
    );
    const s = cli(['--check', '-o', sock]);
    assert.equal(s.code, 78, s.out + s.err);
    assert.match(s.out + s.err, /sersync\/plugin: plugin "socket" needs .*deshost/);
    const cdn = writeConfig(
      tmp,
      {
        ...site.spec,
        extraSersync: '<plugin start="true" name="refreshCDN"/>',
        extraHead: `<plugin name="refreshCDN"><localpath watch="${src}"><cdninfo domainname="127.0.0.1" port="80" username="u" passwd="p"/><sendurl base="http://x/"/><regexurl regex="true" match="cms/(.*"/></localpath></plugin>`,
      },
      'cdn.xml',
    );
    const c = cli(['--check', '-o', cdn]);
    assert.equal(c.code, 78, c.out + c.err);
    assert.match(c.out + c.err, /regexurl match="cms\/\(\.\*"|match/);
  });
  it('a missing module: FAIL naming it, exit 78', () => {
    const r = check('nomod.xml', 'nosuch', daemon.passwordFile);
    assert.equal(r.code, 78);
    assert.match(r.out, /^FAIL remote 127\.0\.0\.1::nosuch: @ERROR: Unknown module 'nosuch'/m);
  });
});

describe('systemd unit', () => {
  it('passes systemd-analyze verify (where the tool exists) and has the required settings', (t) => {
    const unit = path.join(projectRoot, 'systemd', 'sersync-ts.service');
    const text = fs.readFileSync(unit, 'utf8');
    for (const line of [
      'Type=notify',
      'WatchdogSec=',
      'Restart=on-failure',
      'RestartPreventExitStatus=78',
      'ExecReload=/bin/kill -HUP $MAINPID',
      'ExecStart=/usr/bin/env sersync-ts -r -o /etc/sersync-ts/confxml.xml',
    ]) {
      assert.ok(text.includes(line), line);
    }
    // Every hardening directive explains itself: the line before it is a comment.
    const lines = text.split('\n');
    const marker = lines.findIndex((l) => l.startsWith('# --- hardening'));
    assert.ok(marker > 0, 'the hardening marker');
    const end = lines.findIndex((l, i) => i > marker && l.startsWith('['));
    const section = lines.slice(marker + 1, end < 0 ? undefined : end);
    const directives = section.filter((l) => /^\w+=/.test(l));
    assert.ok(directives.length >= 10, `${directives.length} hardening directives`);
    for (let i = 0; i < section.length; i++) {
      if (!/^\w+=/.test(section[i]!)) continue;
      assert.match(section[i - 1] ?? lines[marker]!, /^#/, `${section[i]} has no comment of its own`);
    }
    const limit = section.findIndex((l) => l.startsWith('LimitNOFILE='));
    assert.doesNotMatch(
      section[limit - 1]!,
      /max_user_watches/,
      'LimitNOFILE is about file descriptors, not inotify watches',
    );
    const which = spawnSync('sh', ['-c', 'command -v systemd-analyze']);
    if (which.status !== 0) {
      t.skip('systemd-analyze is not installed here');
      return;
    }
    execFileSync('systemd-analyze', ['verify', unit], { stdio: 'pipe' });
  });
});

describe('logs and the cron check script', () => {
  it('--log-format json writes JSON lines; --log-file is reopened on HUP (logrotate)', async (t) => {
    const site = await startSite('logs', { t });
    const { tmp, src } = site;
    const logFile = path.join(tmp, 'agent.log');
    const a = runAgentOn(site, {}, ['--log-format', 'json', `--log-file=${logFile}`], { file: 'c.xml' });
    try {
      await waitFor(() => fs.existsSync(logFile) && /ready in/.test(fs.readFileSync(logFile, 'utf8')), {
        what: 'ready in the log file',
      });
      for (const line of fs.readFileSync(logFile, 'utf8').trim().split('\n')) {
        const o = JSON.parse(line) as { level?: string; message?: string; timestamp?: string };
        assert.ok(o.level && o.message && o.timestamp, line);
      }
      fs.renameSync(logFile, `${logFile}.1`); // what logrotate does
      a.child.kill('SIGHUP');
      await waitFor(() => fs.existsSync(logFile), { what: 'log file reopened' });
      fs.writeFileSync(path.join(src, 'after-rotate.txt'), 'x');
      await waitFor(() => /after-rotate|1 path, exit 0/.test(fs.readFileSync(logFile, 'utf8')), {
        what: 'new lines in the new file',
      });
    } finally {
      assert.equal(await a.stop(), 0);
    }
  });
  it('check-sersync-ts.sh starts the agent only when the PID file names no running process', (t) => {
    const { tmp } = makeTestDir('cron', { t });
    const fake = path.join(tmp, 'fake-sersync');
    const called = path.join(tmp, 'called');
    fs.writeFileSync(fake, `#!/bin/sh\nprintf '%s\\n' "$@" > ${called}\n`, { mode: 0o755 });
    const script = path.join(projectRoot, 'scripts', 'check-sersync-ts.sh');
    const pidFile = path.join(tmp, 'pid');
    fs.writeFileSync(pidFile, `${process.pid}\n`); // a running process
    execFileSync('sh', [script, '/etc/x.xml', pidFile], { env: { ...process.env, SERSYNC_TS: fake } });
    assert.equal(fs.existsSync(called), false, 'running: nothing started');
    fs.writeFileSync(pidFile, '999999\n'); // nobody
    execFileSync('sh', [script, '/etc/x.xml', pidFile], { env: { ...process.env, SERSYNC_TS: fake }, stdio: 'pipe' });
    assert.deepEqual(fs.readFileSync(called, 'utf8').trim().split('\n'), [
      '-d',
      '-r',
      '-o',
      '/etc/x.xml',
      `--pid-file=${pidFile}`,
    ]);
  });
});
