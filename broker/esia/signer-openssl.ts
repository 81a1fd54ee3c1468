/**
 * Signing through the `openssl` command with the gost engine (Debian's `libengine-gost-openssl`):
 * `openssl dgst -engine gost -md_gost12_256 -sign <key>` for the raw signature, `openssl cms -sign`
 * for the detached CMS of v1. One process per signature: simple and auditable, not fast.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parseCertificate } from '../../gost/index.ts';
import { expectRawSignature, signerError, type Signer } from './signer.ts';

export interface OpenSslSignerOptions {
  /** Path of the PEM private key (readable only by the broker). */
  privateKeyFile: string;
  /** Path of the system certificate (PEM). */
  certificateFile: string;
  /** The openssl binary; default `openssl`. */
  command?: string;
  /** Engine name; default `gost`. Empty to rely on openssl.cnf. */
  engine?: string;
  timeoutMs?: number;
}

export function runCommand(command: string, args: readonly string[], input: Uint8Array, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // A command that exits (or never starts) before reading its input makes the write fail with
    // EPIPE; unhandled, that 'error' event would crash the process. With input to deliver it means the
    // command did not read it all, so it fails the call; with none (commands that read files, like
    // csptest) closing an unread stdin is harmless and ignored.
    let inputError: Error | undefined;
    const child = execFile(
      command,
      args,
      { encoding: 'buffer', timeout: timeoutMs, maxBuffer: 1 << 20, windowsHide: true },
      (err, stdout, stderr) => {
        if (err) reject(Object.assign(err, { stderr: stderr?.toString('utf8').slice(0, 2000) }));
        else if (inputError) reject(inputError);
        else resolve(stdout);
      },
    );
    child.stdin?.on('error', (err) => {
      if (input.length) inputError = err;
    });
    child.stdin?.end(Buffer.from(input));
  });
}

export function createOpenSslSigner(options: OpenSslSignerOptions): Signer {
  const command = options.command ?? 'openssl';
  const engine = options.engine ?? 'gost';
  const timeoutMs = options.timeoutMs ?? 10_000;
  const certificatePem = readFileSync(options.certificateFile, 'utf8');
  const cert = parseCertificate(certificatePem);
  const engineArgs = engine ? ['-engine', engine] : [];
  return {
    kind: 'openssl',
    certificate: cert.der,
    async sign(data) {
      let out: Buffer;
      try {
        out = await runCommand(command, ['dgst', ...engineArgs, '-md_gost12_256', '-sign', options.privateKeyFile, '-binary'], data, timeoutMs);
      } catch (err) {
        throw signerError('openssl', 'openssl dgst -sign failed', err);
      }
      return expectRawSignature('openssl', out);
    },
    async signDetached(data) {
      try {
        return await runCommand(
          command,
          ['cms', '-sign', ...engineArgs, '-binary', '-outform', 'DER', '-md', 'md_gost12_256', '-signer', options.certificateFile, '-inkey', options.privateKeyFile],
          data,
          timeoutMs,
        );
      } catch (err) {
        throw signerError('openssl', 'openssl cms -sign failed', err);
      }
    },
  };
}
