/**
 * `npm start`: the demo on one machine with nothing but Node. mock-esia (a stand-in for ЕСИА) with a
 * development system registered, and the demo's entry page logging in through the broker's real ESIA
 * client (the broker and mock-journal take its place as they are built). Prints the URL to open.
 */
import { loadConfig, ConfigError } from '../config/loader.ts';
import { createDevSystem, devSystemRegistration } from '../mock-esia/demo-system.ts';
import { serveMockEsia } from '../mock-esia/serve.ts';
import { createEsiaClient } from '../broker/esia/index.ts';
import { esiaClientSchema } from '../config/schema.ts';
import { serveDemoLogin } from './demo-login.ts';

try {
  const config = loadConfig();
  const system = createDevSystem('DEMO-JOURNAL');
  const esia = await serveMockEsia(config, { clients: [...config.mockEsia.clients, devSystemRegistration(system)] });
  const pinned = esia.app.esia.deps.keys.published().map((k) => k.certificatePem);
  const demo = await serveDemoLogin({
    host: config.broker.host,
    port: config.broker.port,
    esia: () =>
      createEsiaClient(
        esiaClientSchema.parse({
          environment: 'custom',
          baseUrl: esia.url,
          mnemonic: system.mnemonic,
          signer: { type: 'software', privateKey: system.privateKeyPem, certificate: system.certificatePem },
          pinnedCertificates: pinned,
        }),
      ),
  });
  console.log('Demo (development only: mock ЕСИА, keys generated at start).');
  console.log(`  mock ЕСИА:        ${esia.url}  (certificates: ${esia.url}/public/esia.zip)`);
  console.log(`  system mnemonic:  ${system.mnemonic}, client_certificate_hash ${system.certificateHash}`);
  console.log(`\nOpen ${demo.url}/ to log in.`);
  const stop = () => {
    demo.server.close();
    void esia.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : `demo failed to start: ${(err as Error).message}`);
  process.exit(err instanceof ConfigError ? 2 : 1);
}
