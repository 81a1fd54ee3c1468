// PEM (RFC 7468) armour: DER <-> "-----BEGIN LABEL-----" text.

import { Asn1Error } from './asn1.ts';
import { copyBytes } from './binary.ts';

/** One PEM block found in a text. */
export interface PemBlock {
  label: string;
  der: Uint8Array;
}

/** Wraps DER bytes in PEM armour with 64-character lines and a trailing newline. */
export function toPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der.buffer, der.byteOffset, der.byteLength).toString('base64');
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}${lines.length ? '\n' : ''}-----END ${label}-----\n`;
}

const BLOCK = /-----BEGIN ([A-Z0-9 ]*)-----([\s\S]*?)-----END ([A-Z0-9 ]*)-----/g;

/** Every PEM block in the text, in order. Throws Asn1Error on bad base64 or mismatched labels. */
export function decodePemBlocks(text: string): PemBlock[] {
  const blocks: PemBlock[] = [];
  for (const m of text.matchAll(BLOCK)) {
    const [, label, body, endLabel] = m as unknown as [string, string, string, string];
    if (label !== endLabel) throw new Asn1Error(`PEM BEGIN ${label} closed by END ${endLabel}`);
    const b64 = body.replace(/\s+/g, '');
    if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) {
      throw new Asn1Error(`PEM ${label}: invalid base64 (or unsupported headers)`);
    }
    blocks.push({ label, der: copyBytes(Buffer.from(b64, 'base64')) });
  }
  return blocks;
}

/**
 * DER bytes of the first PEM block with the given label (any label when omitted).
 * Throws Asn1Error when there is none.
 */
export function fromPem(text: string, label?: string): Uint8Array {
  const block = decodePemBlocks(text).find((b) => label === undefined || b.label === label);
  if (!block) throw new Asn1Error(label ? `no PEM block "${label}" found` : 'no PEM block found');
  return block.der;
}

/** True when the bytes look like PEM text rather than DER (they start, after whitespace, with "-----BEGIN"). */
export function looksLikePem(input: Uint8Array): boolean {
  let i = 0;
  while (i < input.length && (input[i] === 0x20 || input[i] === 0x09 || input[i] === 0x0a || input[i] === 0x0d)) i++;
  return Buffer.from(input.subarray(i, i + 10)).toString('latin1') === '-----BEGIN';
}

/**
 * Normalises "PEM text, PEM bytes or DER bytes" input to DER.
 * For PEM input the block with one of `labels` is taken (the first of any label when the list is empty).
 */
export function pemOrDerToDer(input: string | Uint8Array, labels: readonly string[] = []): Uint8Array {
  if (typeof input !== 'string' && !looksLikePem(input)) return copyBytes(input);
  const text = typeof input === 'string' ? input : Buffer.from(input).toString('utf8');
  const blocks = decodePemBlocks(text);
  const block = blocks.find((b) => labels.length === 0 || labels.includes(b.label));
  if (!block) {
    throw new Asn1Error(labels.length ? `no PEM block labelled ${labels.join(' or ')} found` : 'no PEM block found');
  }
  return block.der;
}
