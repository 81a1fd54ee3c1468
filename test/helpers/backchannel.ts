/** A journal's back-channel logout endpoint for tests: records the logout tokens it receives. */
import { listen } from '../../core/listen.ts';

export async function startBackchannelReceiver(): Promise<{ url: string; tokens: string[]; close(): Promise<void> }> {
  const tokens: string[] = [];
  const listener = await listen(0);
  listener.server.on('request', (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      tokens.push(new URLSearchParams(body).get('logout_token') ?? '');
      res.writeHead(200).end();
    });
  });
  return { url: `${listener.url}/backchannel-logout`, tokens, close: listener.close };
}
