import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_DELETE_GUARD } from '../../../src/config/delete-guard.js';
import { GUARD_DURATION, parseDuration } from '../../../src/config/duration.js';
import { describePlan } from '../../../src/cli/check.js';
import { normalise } from '../../../src/config/normalise.js';
import { parseXml } from '../../../src/config/xml.js';
import { testConfig } from '../../helpers/config.js';
import { configXml } from '../../helpers/agent.js';

function load(el: string): ReturnType<typeof normalise> {
  const xml = configXml({ watch: '/srv/www', remotes: [{ module: 'www' }], port: 873, failLog: '/tmp/f.sh' }).replace('<sersync>', `<sersync>\n${el}`);
  const parsed = parseXml(xml);
  if (!parsed.ok) throw new Error(parsed.message);
  return normalise(parsed.root, 'c.xml', null);
}

describe('<sersync><deleteGuard>', () => {
  it('is on with percent 50, files 1000, within 60 s when absent', () => {
    assert.deepEqual(testConfig().deleteGuard, DEFAULT_DELETE_GUARD);
    assert.deepEqual(DEFAULT_DELETE_GUARD, { enabled: true, percent: 50, files: 1000, withinMs: 60_000 });
  });
  it('reads its attributes; start="false" turns it off', () => {
    assert.deepEqual(load('<deleteGuard start="true" percent="20" files="10" within="2m"/>').config?.deleteGuard, { enabled: true, percent: 20, files: 10, withinMs: 120_000 });
    assert.equal(load('<deleteGuard start="false"/>').config?.deleteGuard.enabled, false);
    assert.equal(load('<deleteGuard files="5"/>').config?.deleteGuard.enabled, true);
  });
  it('a bad value is one problem naming the element and attribute (the config does not load)', () => {
    for (const [el, attr] of [['<deleteGuard percent="150"/>', 'percent'], ['<deleteGuard files="-3"/>', 'files'], ['<deleteGuard within="soon"/>', 'within'], ['<deleteGuard percent="0"/>', 'percent']] as const) {
      const r = load(el);
      assert.equal(r.config, null, el);
      assert.equal(r.problems.length, 1, el);
      assert.equal(r.problems[0]!.xmlPath, `sersync/deleteGuard@${attr}`);
    }
  });
  it('parseDuration takes ms, s, m, h and bare seconds', () => {
    assert.equal(parseDuration('500ms', GUARD_DURATION), 500);
    assert.equal(parseDuration('60s', GUARD_DURATION), 60_000);
    assert.equal(parseDuration('90', GUARD_DURATION), 90_000);
    assert.equal(parseDuration('1.5m', GUARD_DURATION), 90_000);
    assert.equal(parseDuration('1h', GUARD_DURATION), 3_600_000);
    assert.equal(parseDuration('0s', GUARD_DURATION), null);
    assert.equal(parseDuration('ten', GUARD_DURATION), null);
    assert.equal(parseDuration('1d', GUARD_DURATION), null, 'days are for versions, not the brake');
    assert.equal(parseDuration('0.0001ms', GUARD_DURATION), null, 'rounds to 0 ms');
  });
});

describe('--check describes the brake', () => {
  it('on with its thresholds, or off', () => {
    assert.ok(describePlan(testConfig(), false).includes("deletion brake: a root's deletions are held when 50 % of its files, and at least 1000, disappear within 60 s"));
    assert.ok(describePlan(testConfig({ extraSersync: '<deleteGuard start="false"/>' }), false).includes('deletion brake: off (<deleteGuard start="false">)'));
  });
});
