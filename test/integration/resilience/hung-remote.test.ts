import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startSite } from '../../helpers/rsyncd.js';
import { runAgentOn } from '../../helpers/agent.js';
import { waitForMirror } from '../../helpers/tree.js';
import { waitFor } from '../../helpers/wait.js';
import { parseFailLog } from '../../../src/faillog/record.js';

const ROOTS = 4;

/**
 * A remote that accepts connections and then never says a word (a hung daemon, a black-holing
 * firewall): rsync only gives up when its I/O timeout ends. The agent must (1) keep the other
 * remote's lanes going: the hung remote may hold only its share of the -n slots; (2) show the
 * trouble in the fail log early, because its probe gets no answer either.
 */
describe('a remote that hangs', () => {
  for (const withTimeout of [true, false])
    it(`never delays the healthy remote, and reaches the fail log while its rsyncs still hang (<timeout> ${withTimeout ? 'on: rsync ends them' : 'off: the lane ends them'})`, async (t) => {
      const modules = Array.from({ length: ROOTS }, (_, i) => `w${i}`);
      const site = await startSite('hung', { modules, src: 'src-w0', t });
      const { tmp, daemon } = site;
      // Same port as the daemon, on 127.0.0.2: accepts and holds every connection, silent.
      const held: net.Socket[] = [];
      const hung = net.createServer((s) => void held.push(s));
      await new Promise<void>((r) => hung.listen(daemon.port, '127.0.0.2', r));
      const srcs = modules.map((m) => path.join(tmp, `src-${m}`));
      for (const s of srcs.slice(1)) fs.mkdirSync(s);
      // One root per module; each root goes to the hung remote first, then to the healthy one.
      const edit = (xml: string): string => {
        const first = / {4}<localpath watch="[^"]*">[\s\S]*?<\/localpath>/.exec(xml)![0];
        xml = xml.replace(
          first,
          srcs.map((s, i) => first.replace(srcs[0]!, s).replace(/name="w0"/g, `name="w${i}"`)).join('\n'),
        );
        return withTimeout ? xml : xml.replace(/<timeout start="true"/, '<timeout start="false"');
      };
      const agent = runAgentOn(
        site,
        { remotes: [{ module: 'w0', ip: '127.0.0.2' }, { module: 'w0' }], failLog: path.join(tmp, 'fail.sh') },
        ['-n', String(ROOTS)],
        { edit },
      );
      try {
        await agent.waitForLine(/ready in \d+ ms/, 60_000);
        const started = Date.now();
        for (const s of srcs) fs.writeFileSync(path.join(s, 'new.txt'), `for ${s}\n`);
        // (1) Every healthy lane converges while the hung remote's first attempts are still hanging.
        for (let i = 0; i < ROOTS; i++)
          await waitForMirror(srcs[i]!, daemon.modules[`w${i}`]!, `healthy remote, root ${i}`, {
            timeoutMs: 60_000,
            log: () => agent.lines,
          });
        const hungFailures = (): number =>
          agent.lines.filter((l) => /127\.0\.0\.2::w\d: .*exit (?!0 )\d+/.test(l)).length;
        assert.equal(
          hungFailures(),
          0,
          `the healthy remote did not wait for the hung one to fail:\n${agent.lines.filter((l) => /127\.0\.0\.2/.test(l)).join('\n')}`,
        );
        t.diagnostic(
          `healthy remote converged ${Date.now() - started} ms after the writes, while the hung remote had ${held.length} connection(s) open`,
        );
        // (2) The fail log names the hung remote's paths before its rsyncs have even timed out.
        const failLog = path.join(tmp, 'fail.sh');
        const recorded = (): boolean =>
          fs.existsSync(failLog) &&
          parseFailLog(fs.readFileSync(failLog)).records.some(
            (r) => r.remote.startsWith('127.0.0.2') && r.paths.includes('new.txt'),
          );
        await waitFor(recorded, { what: 'a fail-log entry for the hung remote', timeoutMs: 90_000 });
        t.diagnostic(
          `first fail-log entry for the hung remote ${Date.now() - started} ms after the writes; rsync failures logged so far: ${hungFailures()}`,
        );
        assert.ok(
          agent.lines.some((l) => /stopped answering while an rsync has been running/.test(l)),
          agent.lines.slice(-8).join('\n'),
        );
        // The hung rsyncs end (rsync's --timeout, or the lane after 3 probes without an answer) as failures.
        await waitFor(() => hungFailures() > 0, { what: 'the hung rsyncs to end as failures', timeoutMs: 120_000 });
        if (!withTimeout)
          assert.ok(
            agent.lines.some((l) => /no answer for \d+ s while an rsync runs: ending it/.test(l)),
            agent.lines.slice(-8).join('\n'),
          );
      } finally {
        agent.child.kill('SIGKILL');
        await agent.exited;
        for (const s of held) s.destroy();
        hung.close();
      }
    });
});
