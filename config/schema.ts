/**
 * The one configuration schema of the project. `config/loader.ts` parses it once from a file and the
 * environment; everything else receives the frozen result. Every option is documented where defined.
 */
import { z } from 'zod';
import { brokerSchema } from './broker.ts';

/** ESIA scopes that the mock knows (unknown ones give ESIA-007006). */
export const ESIA_SCOPES = [
  'openid',
  'fullname',
  'birthdate',
  'gender',
  'birthplace',
  'snils',
  'inn',
  'id_doc',
  'email',
  'mobile',
  'contacts',
  'addresses',
  'usr_org',
  'kid_fullname',
  'kid_birthdate',
  'kid_gender',
  'kid_snils',
  'kid_inn',
  'kid_birth_cert_doc',
  'kid_medical_doc',
  'kid_school_data',
] as const;
export type EsiaScope = (typeof ESIA_SCOPES)[number];

/** An ESIA system mnemonic: upper-case latin letters, digits, `-` and `_`. */
export const mnemonicSchema = z.string().regex(/^[A-Z0-9_-]{1,64}$/, 'upper-case latin letters, digits, - and _');

/** Token signing algorithms ESIA uses; a per-system setting. */
export const esiaTokenAlgSchema = z.enum(['RS256', 'GOST3410_2012_256']);

/** A system (client) registered at mock-esia, as the ESIA technical portal registers it. */
export const mockEsiaClientSchema = z
  .object({
    /** The system's mnemonic, used as `client_id`. */
    mnemonic: mnemonicSchema,
    /** Registered domains: a `redirect_uri` / `redirect_url` must be on one of them or a subdomain. */
    domains: z.array(z.string().min(1)).min(1),
    /** The system's certificates (PEM text); `client_certificate_hash` picks one of them. */
    certificates: z.array(z.string().includes('BEGIN CERTIFICATE')).default([]),
    /** Scopes approved for the system; others give ESIA-007019. */
    scopes: z.array(z.enum(ESIA_SCOPES)).default(['openid', 'fullname', 'birthdate', 'gender', 'snils']),
    /** How ESIA signs this system's tokens. */
    tokenAlg: esiaTokenAlgSchema.default('GOST3410_2012_256'),
    /** Access token lifetime, seconds (ESIA: 3600). */
    accessTokenTtlSeconds: z.number().int().positive().default(3600),
    /** Authorization code lifetime, seconds (ESIA: about 240). */
    codeTtlSeconds: z.number().int().positive().default(240),
    /** Refresh token lifetime, seconds. */
    refreshTokenTtlSeconds: z.number().int().positive().default(14 * 24 * 3600),
    /** Whether the system may use the client_credentials grant (else ESIA-007005). */
    clientCredentials: z.boolean().default(true),
    /** Refuse accounts that are not confirmed (ESIA-007055). */
    refuseUnconfirmed: z.boolean().default(false),
    /** Variants where ESIA's behaviour is not settled (`[?]` in ESIA.md). */
    variants: z
      .object({
        /** The signed string of a v3 refresh: ends with `redirect_uri` or with `refresh_token`. */
        refreshSecret: z.enum(['redirect_uri', 'refresh_token']).default('redirect_uri'),
        /** Whether tokens carry `urn:esia:sbj:lvl` (newer tokens do). */
        levelClaim: z.boolean().default(true),
        /** `expires_in` in the token response as a JSON number or a string. */
        expiresInAs: z.enum(['number', 'string']).default('number'),
        /** `amr` in id tokens as a string (`"PWD"`) or an array (`["PWD"]`). */
        amrAs: z.enum(['string', 'array']).default('string'),
        /** The PKCE method name ESIA expects with `code_challenge`. */
        pkceMethod: z.enum(['S256', 'GOST3411_2012_256']).default('S256'),
      })
      .strict()
      .default({
        refreshSecret: 'redirect_uri',
        levelClaim: true,
        expiresInAs: 'number',
        amrAs: 'string',
        pkceMethod: 'S256',
      }),
  })
  .strict();
export type MockEsiaClientConfig = z.infer<typeof mockEsiaClientSchema>;
export type MockEsiaClientInput = z.input<typeof mockEsiaClientSchema>;

/** mock-esia, the ESIA stand-in of the demo and the tests. */
export const mockEsiaSchema = z
  .object({
    /** Port `npm run mock-esia` listens on. */
    port: z.number().int().min(0).max(65535).default(3001),
    /** Address to listen on. */
    host: z.string().default('127.0.0.1'),
    /** Public base URL (what browsers and clients use); `iss` is `http://<its host>/`. Default: http://host:port. */
    publicUrl: z.url().optional(),
    /** Registered systems. Without any, `npm run mock-esia` registers a demo system and prints its key. */
    clients: z.array(mockEsiaClientSchema).default([]),
    /** Accepted distance of a request `timestamp` from the mock's clock, seconds (ESIA-007015 beyond). */
    timestampWindowSeconds: z.number().int().positive().default(300),
    /** Bearer token for the admin routes (fault switches, clock, key rotation); open when unset. */
    adminToken: z.string().min(16).optional(),
    /**
     * Token-signing keys (PKCS#8 PEM and certificate PEM) per algorithm, so that the broker can pin the
     * certificate ahead of time (the compose stack); generated at start when absent.
     */
    signingKeys: z
      .object({
        GOST3410_2012_256: z.object({ privateKey: z.string().includes('PRIVATE KEY'), certificate: z.string().includes('BEGIN CERTIFICATE') }).strict().optional(),
        RS256: z.object({ privateKey: z.string().includes('PRIVATE KEY'), certificate: z.string().includes('BEGIN CERTIFICATE') }).strict().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type MockEsiaConfig = z.infer<typeof mockEsiaSchema>;

/** mock-journal, the stand-in school journal of the demo and the tests (it serves the adapter HTTP contract). */
export const mockJournalSchema = z
  .object({
    /** Port `npm run mock-journal` listens on. */
    port: z.number().int().min(0).max(65535).default(3002),
    /** Address to listen on. */
    host: z.string().default('127.0.0.1'),
    /** Public base URL (what browsers and the broker use). Default: http://host:port. */
    publicUrl: z.url().optional(),
    /** Where the adapter HTTP contract is served; the API base URL (and assertion `aud`) is publicUrl + this. */
    apiBasePath: z
      .string()
      .regex(/^(\/[A-Za-z0-9._~-]+)+$/, 'a path like /esia-broker/v1')
      .default('/esia-broker/v1'),
    /** The broker's client id at the journal: the `iss` and `sub` its assertions must carry. */
    brokerClientId: z.string().min(1).default('esia-broker'),
    /**
     * The broker's public keys (a JWK Set) allowed to sign assertions. Without any, `npm run mock-journal`
     * generates a development key pair and prints where the private key is.
     */
    brokerJwks: z
      .object({ keys: z.array(z.looseObject({ kty: z.string() })) })
      .strict()
      .optional(),
    /** «Войти через Госуслуги»: the journal as the broker's OpenID Connect client; absent: no login button. */
    oidc: z
      .object({
        /** The broker's issuer URL (its public URL). */
        issuer: z.url(),
        clientId: z.string().min(1),
        clientSecret: z.string().min(32),
        /** Allow a plain-http issuer (development stacks). */
        allowHttp: z.boolean().default(false),
      })
      .strict()
      .optional(),
  })
  .strict();
export type MockJournalConfig = z.infer<typeof mockJournalSchema>;

const pem = (label: string) => z.string().includes(`-----BEGIN ${label}-----`, { message: `expected PEM text (${label})` });

/** How the broker signs its ESIA requests: a seam with several implementations. */
export const esiaSignerSchema = z.discriminatedUnion('type', [
  z
    .object({
      /** Pure-software GOST signing with the key in the config (development; regions without certified-crypto rules). */
      type: z.literal('software'),
      privateKey: pem('PRIVATE KEY'),
      certificate: pem('CERTIFICATE'),
    })
    .strict(),
  z
    .object({
      /** The `openssl` command with the gost engine (Debian's `libengine-gost-openssl`). */
      type: z.literal('openssl'),
      privateKeyFile: z.string().min(1),
      certificateFile: z.string().min(1),
      command: z.string().default('openssl'),
      engine: z.string().default('gost'),
      timeoutMs: z.number().int().positive().default(10_000),
    })
    .strict(),
  z
    .object({
      /** CryptoPro CSP command-line tools; `{in}` / `{out}` are replaced by the data and signature files. */
      type: z.literal('cryptopro'),
      signCommand: z.array(z.string()).min(1),
      cmsCommand: z.array(z.string()).min(1).optional(),
      certificateFile: z.string().min(1),
      /** CryptoPro writes raw signatures byte-reversed; reverse them back (default). */
      reverse: z.boolean().default(true),
      timeoutMs: z.number().int().positive().default(15_000),
    })
    .strict(),
  z
    .object({
      /** A remote signing service (HSM front end): see the README for its small HTTP contract. */
      type: z.literal('remote'),
      url: z.url(),
      token: z.string().min(16),
      certificate: pem('CERTIFICATE'),
      timeoutMs: z.number().int().positive().default(5_000),
    })
    .strict(),
]);
export type EsiaSignerConfig = z.infer<typeof esiaSignerSchema>;

/** The broker's ESIA client. */
export const esiaClientSchema = z
  .object({
    /** `test` and `production` are ESIA's own stands; `custom` needs `baseUrl` (e.g. mock-esia). */
    environment: z.enum(['test', 'production', 'custom']).default('custom'),
    /** Base URL for `custom`. */
    baseUrl: z.url().optional(),
    /** Exact `iss` of ESIA's tokens; default per environment (`http://<host>/` for custom). */
    issuer: z.string().optional(),
    /** The system's mnemonic (`client_id`). */
    mnemonic: mnemonicSchema,
    /** Scopes asked at login. */
    scopes: z.array(z.enum(ESIA_SCOPES)).min(1).default(['openid', 'fullname', 'birthdate', 'gender', 'snils', 'id_doc']),
    /** `v2` (`/v2/ac` + `/v3/te`) or the legacy `v1` (`/ac` + `/te`, CMS secrets). */
    protocol: z.enum(['v1', 'v2']).default('v2'),
    signer: esiaSignerSchema,
    /** ESIA's token-signing certificates (PEM), RSA and GOST; several during a rotation. */
    pinnedCertificates: z.array(pem('CERTIFICATE')).min(1),
    /** Per-call timeout, milliseconds. */
    timeoutMs: z.number().int().positive().default(10_000),
    /** Extra attempts for idempotent GETs (REST) after a failure. */
    retries: z.number().int().min(0).max(5).default(2),
    /** Allowed clock difference when checking tokens, seconds. */
    clockSkewSeconds: z.number().int().min(0).max(600).default(60),
    /** The v3 refresh signed-string variant (ESIA.md marks it unsettled). */
    refreshSecret: z.enum(['redirect_uri', 'refresh_token']).default('redirect_uri'),
  })
  .strict()
  .refine((c) => c.environment !== 'custom' || c.baseUrl !== undefined, {
    message: 'baseUrl is required when environment is custom',
    path: ['baseUrl'],
  });
export type EsiaClientConfig = z.infer<typeof esiaClientSchema>;

const redisNodeSchema = z.object({ host: z.string().min(1), port: z.number().int().min(1).max(65535) }).strict();
const redisCommon = {
  /** Prefix of every key the broker writes (several brokers may share one Redis). */
  keyPrefix: z.string().optional(),
  /** Connect and command timeout, milliseconds. */
  timeoutMs: z.number().int().positive().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  tls: z.boolean().optional(),
};

/** Redis beyond a single URL: Sentinel (a primary with failover) or Cluster. `REDIS_URL` covers one server. */
export const redisSchema = z.union([
  z
    .object({
      /** The sentinels to ask, and the name of the primary they monitor. */
      sentinels: z.array(redisNodeSchema).min(1),
      name: z.string().min(1),
      sentinelPassword: z.string().optional(),
      db: z.number().int().min(0).optional(),
      ...redisCommon,
    })
    .strict(),
  z
    .object({
      /** Seed nodes; the rest of the cluster is discovered. */
      cluster: z.array(redisNodeSchema).min(1),
      ...redisCommon,
    })
    .strict(),
]);

/** Per-journal resilience: call timeout, concurrency limit and circuit breaker. */
export const resilienceSchema = z
  .object({
    timeoutMs: z.number().int().positive().default(5_000),
    maxConcurrent: z.number().int().positive().default(32),
    maxQueue: z.number().int().min(0).default(1_000),
    failureThreshold: z.number().int().positive().default(5),
    openMs: z.number().int().positive().default(30_000),
  })
  .strict();

/** An adapter kind as the configuration sees it: its name and its config schema. */
export type AdapterSchemas = Readonly<Record<string, z.ZodType>>;

/**
 * A journal: `{ type, id, name, config, resilience }`, a tagged union over the adapter kinds of the
 * registry the caller passes (so `config/` never imports the adapters). Without a registry, `config` is
 * left for the registry to check.
 */
export function journalSchemaFor(adapters?: AdapterSchemas): z.ZodType<JournalConfig> {
  const common = {
    /** The journal's id: clients name it; links and audit records carry it. */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case latin letters, digits and -'),
    /** Shown to people («Электронный журнал …»). */
    name: z.string().min(1),
    resilience: resilienceSchema.default(resilienceSchema.parse({})),
  };
  if (!adapters || !Object.keys(adapters).length) {
    return z.object({ type: z.string(), config: z.unknown(), ...common }).strict() as z.ZodType<JournalConfig>;
  }
  const variants = Object.entries(adapters).map(([type, schema]) =>
    z.object({ type: z.literal(type), config: schema, ...common }).strict(),
  );
  return z.discriminatedUnion('type', variants as unknown as [z.ZodObject, ...z.ZodObject[]]) as unknown as z.ZodType<JournalConfig>;
}

export interface JournalConfig {
  readonly type: string;
  readonly id: string;
  readonly name: string;
  readonly config: unknown;
  readonly resilience: z.infer<typeof resilienceSchema>;
}

/** The whole configuration, with journals checked against `adapters` when given. */
export function configSchemaFor(adapters?: AdapterSchemas) {
  return baseConfigSchema.extend({ journals: z.array(journalSchemaFor(adapters)).default([]) }).strict().superRefine((c, ctx) => {
    if (c.redisUrl && c.redis) ctx.addIssue({ code: 'custom', message: 'give either redisUrl or redis, not both', path: ['redis'] });
    const seen = new Set<string>();
    c.journals.forEach((j, i) => {
      if (seen.has(j.id)) ctx.addIssue({ code: 'custom', message: `journal id ${j.id} is used twice`, path: ['journals', i, 'id'] });
      seen.add(j.id);
    });
    const journals = new Set(c.journals.map((j) => j.id));
    c.broker.clients.forEach((client, i) => {
      if (client.journal && !journals.has(client.journal)) {
        ctx.addIssue({ code: 'custom', message: `unknown journal ${client.journal}`, path: ['broker', 'clients', i, 'journal'] });
      }
    });
  });
}

/** The whole configuration. */
const baseConfigSchema = z
  .object({
    /** `production` refuses development defaults (in-memory store, generated keys, mock ESIA). */
    mode: z.enum(['development', 'production']).default('development'),
    /** The region's time zone: ages and "today" are computed there. */
    timeZone: z.string().default('Europe/Samara').refine(isTimeZone, 'unknown IANA time zone'),
    broker: brokerSchema.default(brokerSchema.parse({})),
    /** Redis for all shared state (`REDIS_URL`); absent (and no `redis`): the in-memory store (development only). */
    redisUrl: z.string().regex(/^rediss?:\/\//, 'a redis:// or rediss:// URL').optional(),
    /** Redis Sentinel or Cluster settings, instead of `redisUrl`. */
    redis: redisSchema.optional(),
    mockEsia: mockEsiaSchema.default(mockEsiaSchema.parse({})),
    mockJournal: mockJournalSchema.default(mockJournalSchema.parse({})),
    /** The broker's ESIA client; absent in development, where the demo wires it to mock-esia. */
    esia: esiaClientSchema.optional(),
  })
  .strict();
export const configSchema = configSchemaFor();
export type Config = z.infer<typeof configSchema>;
export type ConfigInput = z.input<typeof configSchema>;

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}
