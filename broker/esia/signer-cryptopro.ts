/**
 * Signing through CryptoPro CSP's command-line tools (`csptest`, `cryptcp`). The command is a
 * configurable argument list with `{in}` and `{out}` placeholders for the data and signature files,
 * e.g. `["/opt/cprocsp/bin/amd64/csptest", "-keys", "-cont", "\\\\.\\HDIMAGE\\system", "-sign",
 * "GOST12_256", "-keytype", "exchange", "-in", "{in}", "-out", "{out}"]`. CryptoPro writes the raw
 * signature byte-reversed relative to what ESIA expects, so it is reversed here (configurable).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCertificate } from '../../gost/index.ts';
import { runCommand } from './signer-openssl.ts';
import { expectRawSignature, signerError, type Signer } from './signer.ts';

export interface CryptoProSignerOptions {
  /** The raw-signature command with `{in}` and `{out}` placeholders; the first item is the program. */
  signCommand: readonly string[];
  /** Optional detached-CMS command (e.g. `cryptcp -signf -detached …`), same placeholders. */
  cmsCommand?: readonly string[];
  /** Path of the system certificate (PEM or DER). */
  certificateFile: string;
  /** Reverse the raw signature's bytes (CryptoPro's order → ESIA's); default true. */
  reverse?: boolean;
  timeoutMs?: number;
}

async function runWithFiles(command: readonly string[], data: Uint8Array, timeoutMs: number): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), 'cprosign-'));
  try {
    const input = join(dir, 'data.bin');
    const output = join(dir, 'signature.bin');
    await writeFile(input, data, { mode: 0o600 });
    const args = command.slice(1).map((a) => a.replaceAll('{in}', input).replaceAll('{out}', output));
    await runCommand(command[0]!, args, new Uint8Array(), timeoutMs);
    return await readFile(output);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export function createCryptoProSigner(options: CryptoProSignerOptions): Signer {
  if (!options.signCommand.length) throw signerError('cryptopro', 'signCommand is empty', options.signCommand);
  const timeoutMs = options.timeoutMs ?? 15_000;
  const reverse = options.reverse ?? true;
  const raw = readFileSync(options.certificateFile);
  const cert = parseCertificate(raw.includes('-----BEGIN') ? raw.toString('utf8') : new Uint8Array(raw));
  const cmsCommand = options.cmsCommand;
  return {
    kind: 'cryptopro',
    certificate: cert.der,
    async sign(data) {
      let out: Buffer;
      try {
        out = await runWithFiles(options.signCommand, data, timeoutMs);
      } catch (err) {
        throw signerError('cryptopro', 'the signing command failed', err);
      }
      const signature = expectRawSignature('cryptopro', out);
      return reverse ? Uint8Array.from(signature).reverse() : signature;
    },
    signDetached: cmsCommand
      ? async (data) => {
          try {
            return await runWithFiles(cmsCommand, data, timeoutMs);
          } catch (err) {
            throw signerError('cryptopro', 'the CMS command failed', err);
          }
        }
      : undefined,
  };
}
