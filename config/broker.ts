/**
 * The broker's part of the configuration schema: its listener, OpenID Provider keys and clients, the
 * login policy gate and school-login limits. Composed into `config/schema.ts`.
 */
import { z } from 'zod';

export const ACCOUNT_LEVELS = ['simplified', 'standard', 'confirmed'] as const;
export const accountLevelSchema = z.enum(ACCOUNT_LEVELS);
export const roleSchema = z.enum(['parent', 'pupil', 'staff']);

/** A relying party: a journal (bound to its journal id) or an unbound client such as a regional portal. */
export const oidcClientSchema = z
  .object({
    clientId: z.string().regex(/^[A-Za-z0-9._~-]{3,128}$/),
    /** Shown to people on the broker's pages («Электронный журнал Самарской области»). */
    name: z.string().min(1),
    /** Required for client_secret_basic / client_secret_post; at least 32 characters. */
    clientSecret: z.string().min(32).optional(),
    tokenEndpointAuthMethod: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none']).default('client_secret_basic'),
    /** Public keys for private_key_jwt (a JWK Set). */
    jwks: z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) }).optional(),
    /** Exact redirect URIs (no wildcards, no prefix matching). */
    redirectUris: z.array(z.url()).min(1),
    postLogoutRedirectUris: z.array(z.url()).default([]),
    /**
     * Where the journal's «Привязать учётную запись Госуслуг» flow may return (exact URLs). Link requests
     * are signed with the client's `jwks` keys (ES256/RS256), or with its client secret (HS256).
     */
    linkReturnUris: z.array(z.url()).default([]),
    /** Back-channel logout endpoint, where the journal registers for it. */
    backchannelLogoutUri: z.url().optional(),
    /** The journal this client belongs to; its tokens' `sub` is that journal's account id. Absent: unbound. */
    journal: z.string().optional(),
  })
  .strict()
  .refine((c) => c.tokenEndpointAuthMethod === 'none' || c.tokenEndpointAuthMethod === 'private_key_jwt' || c.clientSecret, {
    message: 'clientSecret is required for client_secret_basic and client_secret_post',
    path: ['clientSecret'],
  })
  .refine((c) => c.tokenEndpointAuthMethod !== 'private_key_jwt' || c.jwks, { message: 'jwks is required for private_key_jwt', path: ['jwks'] });
export type OidcClientConfig = z.infer<typeof oidcClientSchema>;

export const brokerSchema = z
  .object({
    /** Port the broker listens on. */
    port: z.number().int().min(0).max(65535).default(3000),
    host: z.string().default('127.0.0.1'),
    /** Public base URL and OpenID issuer; default http://host:port. Behind a TLS proxy, the https URL. */
    publicUrl: z.url().optional(),
    /** Token-signing private keys (PKCS#8 PEM, EC P-256 for ES256 or RSA); the first signs, all are published. */
    signingKeys: z.array(z.string().includes('-----BEGIN PRIVATE KEY-----')).default([]),
    /** Cookie-signing keys, newest first (rotation); at least 32 characters each. */
    cookieKeys: z.array(z.string().min(32)).default([]),
    /** Relying parties. */
    clients: z.array(oidcClientSchema).default([]),
    /** The minimum ESIA account level to log in, per role (the full policy comes with consent). */
    minLevel: z
      .object({ parent: accountLevelSchema, pupil: accountLevelSchema, staff: accountLevelSchema })
      .strict()
      .default({ parent: 'confirmed', pupil: 'standard', staff: 'confirmed' }),
    /** Linking ESIA persons to journal accounts. */
    linking: z
      .object({
        /** The minimum ESIA level for automatic linking at login (by SNILS, then name and birth date). */
        autoLinkMinLevel: accountLevelSchema.default('confirmed'),
        /** Also match by full name + birth date when SNILS finds nothing (only a unique match links). */
        matchByNameAndBirthDate: z.boolean().default(true),
        /** The minimum ESIA level to link by hand with the school login and password. */
        manualLinkMinLevel: accountLevelSchema.default('simplified'),
        /** Failed manual-link attempts, per journal account, per ESIA person and per address, within the window. */
        maxFailuresPerAccount: z.number().int().positive().default(5),
        maxFailuresPerPerson: z.number().int().positive().default(10),
        maxFailuresPerAddress: z.number().int().positive().default(30),
        windowSeconds: z.number().int().positive().default(3600),
      })
      .strict()
      .default({
        autoLinkMinLevel: 'confirmed',
        matchByNameAndBirthDate: true,
        manualLinkMinLevel: 'simplified',
        maxFailuresPerAccount: 5,
        maxFailuresPerPerson: 10,
        maxFailuresPerAddress: 30,
        windowSeconds: 3600,
      }),
    /** Login with the school-issued login and password (pupils under 14, transition periods). */
    schoolLogin: z
      .object({
        enabled: z.boolean().default(true),
        /** Failed attempts per account within `windowSeconds` before it is locked for the rest of the window. */
        maxFailuresPerAccount: z.number().int().positive().default(5),
        /** Failed attempts per client address within `windowSeconds`. */
        maxFailuresPerAddress: z.number().int().positive().default(30),
        windowSeconds: z.number().int().positive().default(900),
      })
      .strict()
      .default({ enabled: true, maxFailuresPerAccount: 5, maxFailuresPerAddress: 30, windowSeconds: 900 }),
    /**
     * Let the broker's own outgoing calls to journals (back-channel logout, client JWKS) reach private
     * and loopback addresses. Off by default (SSRF protection); turn on when the region's journals
     * live on an internal network.
     */
    allowPrivateNetworkCallbacks: z.boolean().default(false),
    /** `GET /metrics` (Prometheus). With `token` (at least 32 characters) it wants `Authorization: Bearer <token>`; without, it is open (keep it off the public network). */
    metrics: z
      .object({ token: z.string().min(32).optional() })
      .strict()
      .default({}),
    /** Lifetimes, seconds. */
    ttl: z
      .object({
        session: z.number().int().positive().default(8 * 3600),
        interaction: z.number().int().positive().default(900),
        esiaFlow: z.number().int().positive().default(600),
        accessToken: z.number().int().positive().default(600),
        idToken: z.number().int().positive().default(600),
        refreshToken: z.number().int().positive().default(14 * 24 * 3600),
        authorizationCode: z.number().int().positive().default(60),
      })
      .strict()
      .default({ session: 28800, interaction: 900, esiaFlow: 600, accessToken: 600, idToken: 600, refreshToken: 1209600, authorizationCode: 60 }),
  })
  .strict();
export type BrokerConfig = z.infer<typeof brokerSchema>;
