/**
 * The broker's part of the configuration schema: its listener, OpenID Provider keys and clients, the
 * login policy gate and school-login limits. Composed into `config/schema.ts`.
 */
import { z } from 'zod';

export const ACCOUNT_LEVELS = ['simplified', 'standard', 'confirmed'] as const;
export const accountLevelSchema = z.enum(ACCOUNT_LEVELS);
export const roleSchema = z.enum(['parent', 'pupil', 'staff']);

/** A policy level: the minimum ESIA account level, or `none` (not allowed at all). */
export const policyLevelSchema = z.enum(['simplified', 'standard', 'confirmed', 'none']);
export type PolicyLevel = z.infer<typeof policyLevelSchema>;

export const AGE_GROUPS = ['under_14', '14_17', 'adult'] as const;
export type AgeGroup = (typeof AGE_GROUPS)[number];

interface PolicyRule {
  login: PolicyLevel;
  autoLink: PolicyLevel;
  manualLink: PolicyLevel;
}

/** One cell of the policy (role × age group); every field defaults on its own, so a region overrides one value. */
const ruleSchema = (d: PolicyRule) =>
  z
    .object({
      /** The minimum level to log in with ESIA. */
      login: policyLevelSchema.default(d.login),
      /** The minimum level to be linked automatically at login (by SNILS, then name and birth date). */
      autoLink: policyLevelSchema.default(d.autoLink),
      /** The minimum level to link by hand (school login and password, or the journal's button). */
      manualLink: policyLevelSchema.default(d.manualLink),
    })
    .strict()
    .default(d);

const ADULT: PolicyRule = { login: 'confirmed', autoLink: 'confirmed', manualLink: 'simplified' };
const PUPIL_14_17: PolicyRule = { login: 'standard', autoLink: 'confirmed', manualLink: 'simplified' };
const NOBODY: PolicyRule = { login: 'none', autoLink: 'none', manualLink: 'none' };

const roleRulesSchema = (d: Record<AgeGroup, PolicyRule>) =>
  z.object({ under_14: ruleSchema(d.under_14), '14_17': ruleSchema(d['14_17']), adult: ruleSchema(d.adult) }).strict().default(d);

/**
 * The account-type and age policy. Defaults follow DESIGN.md: staff and parents log in with a confirmed
 * account; pupils from 14 with standard or confirmed; automatic linking needs confirmed; linking by hand
 * accepts any level; pupils under 14 use their school login (or, where `childAccounts` allows, the child
 * ESIA account a parent made for them).
 */
export const policySchema = z
  .object({
    /** Recorded with every consent, so a decision can be traced to the rules in force. */
    version: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$/).default('2026-11'),
    parent: roleRulesSchema({ under_14: ADULT, '14_17': ADULT, adult: ADULT }),
    pupil: roleRulesSchema({ under_14: NOBODY, '14_17': PUPIL_14_17, adult: { ...PUPIL_14_17 } }),
    staff: roleRulesSchema({ under_14: ADULT, '14_17': ADULT, adult: ADULT }),
    /** Let pupils log in with a child ESIA account (made by a parent, level KD); off by default. */
    childAccounts: z.boolean().default(false),
  })
  .strict()
  .default({
    version: '2026-11',
    parent: { under_14: ADULT, '14_17': ADULT, adult: ADULT },
    pupil: { under_14: NOBODY, '14_17': PUPIL_14_17, adult: { ...PUPIL_14_17 } },
    staff: { under_14: ADULT, '14_17': ADULT, adult: ADULT },
    childAccounts: false,
  });
export type Policy = z.infer<typeof policySchema>;

export const consentSchema = z
  .object({
    /** Hold the first ESIA login of a pupil aged 14–17 until a parent consents. */
    enabled: z.boolean().default(true),
    /** Also count as parents the people whose ESIA children list (`kid_*` scopes) holds the pupil. */
    esiaChildren: z.boolean().default(true),
    /** The ESIA scopes asked at the parent's cabinet login to read the children list. */
    esiaChildrenScopes: z.array(z.string().regex(/^kid_[a-z_]+$/)).default(['kid_fullname', 'kid_birthdate', 'kid_snils']),
    /** The minimum ESIA level of a parent to use the cabinet and decide. */
    cabinetMinLevel: accountLevelSchema.default('confirmed'),
    /** A pending request expires after this many days (the next login opens a new one). */
    requestTtlDays: z.number().int().min(1).max(365).default(30),
    /** Where consent events are posted (a signed JWT, `application/jwt`), e.g. the journal's notification service. */
    webhookUrl: z.url().optional(),
    /** How often the pupil's waiting page asks whether a parent decided, seconds. */
    pollSeconds: z.number().int().min(1).max(60).default(3),
  })
  .strict()
  .default({
    enabled: true,
    esiaChildren: true,
    esiaChildrenScopes: ['kid_fullname', 'kid_birthdate', 'kid_snils'],
    cabinetMinLevel: 'confirmed',
    requestTtlDays: 30,
    pollSeconds: 3,
  });
export type ConsentConfig = z.infer<typeof consentSchema>;

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

/**
 * A bearer token of the admin API (regional IT). Give the token itself (`token`, at least 32
 * characters) or only its SHA-256 (`tokenSha256`, 64 hex digits: `printf %s "$TOKEN" | sha256sum`), so
 * the config file need not hold the secret. `read` lists and queries; `write` (with `read`) also unlinks,
 * revokes and clears lockouts.
 */
export const adminTokenSchema = z
  .object({
    /** Who holds the token; the audit log records it as the actor of every admin action. */
    name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    /** Surrounding whitespace (a secret file's trailing newline) is dropped. */
    token: z.string().trim().min(32).max(512).optional(),
    tokenSha256: z
      .string()
      .trim()
      .regex(/^[0-9a-fA-F]{64}$/)
      .optional(),
    scopes: z.array(z.enum(['read', 'write'])).min(1),
  })
  .strict()
  .refine((t) => (t.token === undefined) !== (t.tokenSha256 === undefined), { message: 'give exactly one of token and tokenSha256', path: ['token'] })
  .refine((t) => !t.scopes.includes('write') || t.scopes.includes('read'), { message: 'a write token also needs the read scope', path: ['scopes'] });
export type AdminTokenConfig = z.infer<typeof adminTokenSchema>;

/** The admin API (`/api/admin/`); with no tokens it is off and answers 404 to everything. */
export const adminSchema = z
  .object({ tokens: z.array(adminTokenSchema).default([]) })
  .strict()
  .refine((a) => new Set(a.tokens.map((t) => t.name)).size === a.tokens.length, { message: 'token names must be unique', path: ['tokens'] });

export const brokerSchema = z
  .object({
    /** Port the broker listens on. */
    port: z.number().int().min(0).max(65535).default(3000),
    host: z.string().default('127.0.0.1'),
    /** Public base URL and OpenID issuer; default http://host:port. Behind a TLS proxy, the https URL. */
    publicUrl: z.url().optional(),
    /**
     * Trust the reverse proxy's X-Forwarded-Proto, X-Forwarded-Host and X-Forwarded-For: `true`, or the
     * number of proxies in front (the client address is taken that many hops from the right). Needed
     * behind a TLS-terminating proxy (secure cookies, https URLs in discovery); off by default, since
     * without a proxy anyone could send those headers.
     */
    trustProxy: z.union([z.boolean(), z.number().int().min(1).max(16)]).default(false),
    /** Token-signing private keys (PKCS#8 PEM, EC P-256 for ES256 or RSA); the first signs, all are published. */
    signingKeys: z.array(z.string().includes('-----BEGIN PRIVATE KEY-----')).default([]),
    /**
     * The secret of pairwise subject ids (`sub` for clients not bound to a journal, e.g. a regional
     * portal), at least 32 characters. It must never change: a new one gives everyone a new `sub`.
     * Without it the oldest cookie key is used (development), which rotation would eventually drop.
     */
    pairwiseSecret: z.string().min(32).optional(),
    /** Cookie-signing keys, newest first (rotation); at least 32 characters each. */
    cookieKeys: z.array(z.string().min(32)).default([]),
    /** Relying parties. */
    clients: z.array(oidcClientSchema).default([]),
    /** Account-type and age policy: the minimum ESIA level per role and age group (see `policySchema`). */
    policy: policySchema,
    /** One-time parental consent for pupils aged 14–17 logging in with their own ESIA account. */
    consent: consentSchema,
    /** Linking ESIA persons to journal accounts. */
    linking: z
      .object({
        /** Also match by full name + birth date when SNILS finds nothing (only a unique match links). */
        matchByNameAndBirthDate: z.boolean().default(true),
        /** Failed manual-link attempts, per journal account, per ESIA person and per address, within the window. */
        maxFailuresPerAccount: z.number().int().positive().default(5),
        maxFailuresPerPerson: z.number().int().positive().default(10),
        maxFailuresPerAddress: z.number().int().positive().default(30),
        windowSeconds: z.number().int().positive().default(3600),
      })
      .strict()
      .default({
        matchByNameAndBirthDate: true,
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
    /** The admin API for regional IT: bearer tokens with read / write scopes. */
    admin: adminSchema.default({ tokens: [] }),
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
