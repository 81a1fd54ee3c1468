/** RFC 9457 problem documents, the contract's error answers. */
import { STATUS_CODES } from 'node:http';
import type { Context } from 'koa';

/** Answers `status` with an `about:blank` problem document. */
export function problem(ctx: Context, status: number, detail?: string): void {
  ctx.status = status;
  ctx.type = 'application/problem+json';
  ctx.body = JSON.stringify({ type: 'about:blank', title: STATUS_CODES[status] ?? 'Error', status, ...(detail ? { detail } : {}) });
}
