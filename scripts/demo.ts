/**
 * `npm start`: the demo on one machine with nothing but Node. mock-esia (a stand-in for ЕСИА),
 * mock-journal (a school journal) and the broker between them, on the in-memory store with keys
 * generated at start. Prints the URL to open.
 */
import { runService } from '../core/run.ts';
import { createPinoLogger } from '../core/pino-log.ts';
import { startDemoStack } from './demo-stack.ts';

await runService('demo', async () => {
  const stack = await startDemoStack({ log: createPinoLogger('demo', { level: 'error' }) });
  console.log('Demo (development only: mock ЕСИА, in-memory store, keys generated at start).');
  console.log(`  broker:        ${stack.broker.url}  (OpenID Provider: ${stack.broker.url}/.well-known/openid-configuration)`);
  console.log(`  mock ЕСИА:     ${stack.esia.url}  (any test person; password Gosuslugi-2026)`);
  console.log(`  mock journal:  ${stack.journal.url}  (adapter API ${stack.journal.apiUrl})`);
  console.log(`  parent cabinet: ${stack.broker.url}/cabinet  (parents approve a pupil's first ESIA login)`);
  console.log('  confirmed ESIA accounts link automatically (SNILS, or name and birth date); others link with the school password');
  console.log('  consent story: log in to the journal as Иванова Мария (parent), then as Иванов Пётр (pupil, school password uchenik-2001),');
  console.log('  and approve in the cabinet as Иванова: the pupil\'s waiting page continues by itself');
  console.log(`\nOpen ${stack.journal.url}/ and press «Войти через Госуслуги».`);
  return stack;
});
