/**
 * What both oidc-provider adapters share: the key layout, which models belong to a grant, the TTL of
 * a save, and the error a lost `consume` race raises.
 *
 * Layout (under the store's prefix):
 *   oidc:<Model>:<id>      the record: JSON payload, plus `consumed` (epoch seconds) once consumed
 *   oidc:grant:<grantId>   the keys of every grant member (tokens and codes) to revoke together
 *   oidc:uid:<uid>         Session uid → session id
 *   oidc:userCode:<code>   device-flow user code → DeviceCode id
 */
import { errors } from 'oidc-provider';
import type { OidcAdapterOptions } from './types.ts';

/** Models oidc-provider revokes by grant (`revokeByGrantId`). */
export const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
]);

/** The grant index outlives its members by this much, so a live member is always revocable. */
export const GRANT_INDEX_SLACK_SECONDS = 1;

export const DEFAULT_FALLBACK_TTL_SECONDS = 30 * 24 * 3600;

export const recordKey = (model: string, id: string) => `oidc:${model}:${id}`;
export const grantKey = (grantId: string) => `oidc:grant:${grantId}`;
export const uidKey = (uid: string) => `oidc:uid:${uid}`;
export const userCodeKey = (userCode: string) => `oidc:userCode:${userCode}`;

/** Whole seconds a save lives: the model's `expiresIn` plus the tolerance, else the fallback. */
export function saveTtlSeconds(expiresIn: number | undefined, options: OidcAdapterOptions): number {
  const tolerance = options.clockToleranceSeconds ?? 0;
  if (typeof expiresIn === 'number' && Number.isFinite(expiresIn)) {
    return Math.max(1, Math.ceil(expiresIn + tolerance));
  }
  return Math.max(1, Math.ceil(options.fallbackTtlSeconds ?? DEFAULT_FALLBACK_TTL_SECONDS));
}

/**
 * The error for a `consume` that lost a race (the record was consumed, or removed, after the caller
 * read it). oidc-provider's own check (`if (code.consumed) … invalid_grant`) runs before it calls
 * `consume`, so this only happens when two requests raced past that check: the loser gets the same
 * OAuth error a sequential replay gets (400 invalid_grant; a pushed request: invalid_request_uri),
 * never a 500, and never a second set of tokens.
 */
export function consumeRaceError(model: string): Error {
  if (model === 'PushedAuthorizationRequest') {
    return new errors.InvalidRequestUri('request_uri is invalid, expired, or was already used');
  }
  return new errors.InvalidGrant(`${labelOf(model)} already consumed`);
}

function labelOf(model: string): string {
  return model.replace(/[A-Z]/g, (c, i: number) => (i ? ' ' : '') + c.toLowerCase());
}

/** The payload a record holds, with `consumed` merged in when the record was consumed. */
export function withConsumed<P extends object>(payload: P, consumed: number | undefined): P {
  return consumed === undefined ? payload : { ...payload, consumed };
}
