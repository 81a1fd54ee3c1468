/**
 * Pairwise subject ids (clients not bound to a journal, such as a regional portal) come from
 * `broker.pairwiseSecret`, so rotating cookie keys leaves every `sub` as it was; without it they would
 * follow the oldest cookie key. Two brokers with different cookie keys stand for before and after a rotation.
 */
import { describe, expect, it } from 'vitest';
import { codeGrant, JOURNAL_ID, loginThroughEsia, startBroker } from '../helpers/broker.ts';
import { brokerSchema } from '../../config/broker.ts';
import { developmentDefaults } from '../../broker/readiness.ts';
import { loadConfig } from '../../config/loader.ts';

const KEY_A = 'cookie-key-a-cookie-key-a-cookie-key-a';
const KEY_B = 'cookie-key-b-cookie-key-b-cookie-key-b';
const SECRET = 'pairwise-secret-pairwise-secret-pairwise';

async function portalSub(brokerConfig: Record<string, unknown>): Promise<string> {
  const env = await startBroker({ brokerConfig });
  try {
    await env.broker.links.link({ esiaOid: '1000000001', journalId: JOURNAL_ID, accountId: 'p-1001', role: 'parent', method: 'auto', linkedAt: new Date().toISOString() });
    const { stop, rp } = await loginThroughEsia(env, 'parent-ivanova', { role: 'parent' }, { client: { id: 'regional-portal' } });
    const tokens = await codeGrant(rp, stop.url);
    return String(tokens.claims()!.sub);
  } finally {
    await env.close();
  }
}

describe('pairwise subject ids', () => {
  it('stay the same when the cookie keys rotate, given a pairwise secret', async () => {
    const before = await portalSub({ cookieKeys: [KEY_A], pairwiseSecret: SECRET });
    const after = await portalSub({ cookieKeys: [KEY_B, KEY_A], pairwiseSecret: SECRET });
    const rotatedOut = await portalSub({ cookieKeys: [KEY_B], pairwiseSecret: SECRET });
    expect(after).toBe(before);
    expect(rotatedOut).toBe(before);
    // Without the secret, dropping the old cookie key changes everyone's sub: hence the production rule.
    const devBefore = await portalSub({ cookieKeys: [KEY_A] });
    const devAfter = await portalSub({ cookieKeys: [KEY_B] });
    expect(devAfter).not.toBe(devBefore);
  });

  it('is required in production when an unbound client is registered', () => {
    const unbound = loadConfig({ env: {}, overrides: { broker: { clients: [{ clientId: 'portal', name: 'Портал', clientSecret: SECRET, redirectUris: ['https://portal.example.ru/cb'] }] } } });
    expect(developmentDefaults(unbound).map((d) => d.key)).toContain('broker.pairwiseSecret');
    const withSecret = loadConfig({ env: {}, overrides: { broker: { ...brokerSchema.parse({}), clients: unbound.broker.clients, pairwiseSecret: SECRET } } });
    expect(developmentDefaults(withSecret).map((d) => d.key)).not.toContain('broker.pairwiseSecret');
  });
});
