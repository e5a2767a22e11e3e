/**
 * The refusal table's line where the running agent reports: a module that accepts the login but
 * is read-only (`read only = false # 可写`, a Badly formed boolean) fails every batch; the lane's
 * error line, /status's last error and the fail log's reason all name the receiving server and
 * `read only = no`. Then the receiver is fixed and the file arrives, byte for byte.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { StatusDocument } from '../../../src/daemon/status-doc.js';
import fs from 'node:fs';
import path from 'node:path';
import { startAgent, type AgentProcess } from '../../helpers/agent.js';
import { httpGet } from '../../helpers/receivers.js';
import { freePort, makeTestDir, startDaemonFromConf, type ConfDaemon, type TestDir } from '../../helpers/rsyncd.js';
import { waitFor } from '../../helpers/wait.js';
import { parseFailLog } from '../../../src/faillog/record.js';

const LINE =
  /ERROR: module is read only: the receiving server must act: set "read only = no" in the module, on a line of its own: "read only = false # comment" is a "Badly formed boolean"/;

describe('a read-only module at run time: the lane, /status and the fail log name the receiving server', () => {
  let d: TestDir, daemon: ConfDaemon, agent: AgentProcess, conf: string, failLog: string, statusPort: number;
  const dst = (): string => path.join(d.tmp, 'dst');
  const confWith = (readOnly: string): string =>
    `uid = ${process.getuid?.() ?? 0}\ngid = ${process.getgid?.() ?? 0}\nuse chroot = no\nlog file = ${path.join(d.tmp, 'rsyncd.log')}\n[www]\npath = ${dst()}\n${readOnly}\n`;

  before(async () => {
    d = makeTestDir('lane-refusal');
    fs.mkdirSync(dst());
    conf = path.join(d.tmp, 'rsyncd.conf');
    fs.writeFileSync(conf, confWith('read only = false # 可写'));
    daemon = await startDaemonFromConf(conf);
    d.onClose(() => daemon.stop());
    failLog = path.join(d.tmp, 'fail.sh');
    statusPort = await freePort();
    agent = await startAgent(d.tmp, {
      watch: d.src,
      remotes: [{ module: 'www' }],
      port: daemon.port,
      failLog,
      statusPort,
      timeToExecute: 60,
    });
    d.onClose(() => agent.stop());
  });
  after(() => d.close());

  it('every report carries the line; fixed on the server, the file arrives', async () => {
    fs.writeFileSync(path.join(d.src, 'index.html'), 'hello from the source\n');
    const line = await agent.waitForLine(LINE, 60_000);
    assert.match(line, /127\.0\.0\.1::www: 1 path, exit 1 \(syntax or usage error\)/);
    await waitFor(() => fs.existsSync(failLog) && parseFailLog(fs.readFileSync(failLog)).records.length > 0, {
      timeoutMs: 90_000,
      what: 'a fail log entry',
    });
    const rec = parseFailLog(fs.readFileSync(failLog)).records[0]!;
    assert.match(rec.reason, LINE);
    const status = JSON.parse((await httpGet(`http://127.0.0.1:${statusPort}/status`)).body) as StatusDocument;
    assert.match(status.roots[0]!.remotes[0]!.lastError ?? '', LINE);
    assert.equal(fs.existsSync(path.join(dst(), 'index.html')), false);
    // The server's operator does what the line says (rsyncd.conf is read per connection).
    fs.writeFileSync(conf, confWith('read only = no'));
    await waitFor(() => fs.existsSync(path.join(dst(), 'index.html')), {
      timeoutMs: 120_000,
      what: 'the file on the fixed module',
    });
    assert.equal(fs.readFileSync(path.join(dst(), 'index.html'), 'utf8'), 'hello from the source\n');
  });
});
