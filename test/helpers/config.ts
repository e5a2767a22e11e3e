import { normalise } from '../../src/config/normalise.js';
import type { SersyncConfig } from '../../src/config/types.js';
import { parseXml } from '../../src/config/xml.js';
import { configXml, type ConfigSpec } from './agent.js';

/** A normalised config for unit tests, from the same XML the integration tests write (no disk checks). */
export function testConfig(spec: Partial<ConfigSpec> = {}, edit: (xml: string) => string = (x) => x): SersyncConfig {
  const xml = edit(
    configXml({
      watch: '/srv/www',
      remotes: [{ module: 'www' }],
      port: 873,
      failLog: '/tmp/test-fail-log.sh',
      ...spec,
    }),
  );
  const parsed = parseXml(xml);
  if (!parsed.ok) throw new Error(`test config: ${parsed.message}`);
  const r = normalise(parsed.root, 'test.xml', null);
  if (!r.config || r.problems.length > 0) throw new Error(`test config: ${JSON.stringify(r.problems)}`);
  return r.config;
}
