/**
 * ESIA's REST API (`/rs`): the person, their collections and items, a parent's children and their
 * documents, and organizations. `Authorization: Bearer <access token>` issued by this mock; only
 * what the token's scopes cover is returned. JSON as ESIA sends it
 * (`application/json;charset=UTF-8`).
 */
import type { Context } from 'koa';
import type { Router } from '@koa/router';
import type { Persona } from '../../fixtures/personas.ts';
import type { AccessTokenRecord, MockEsiaDeps } from '../deps.ts';
import { applyEndpointFaults } from '../faults.ts';
import { buildOrganization, listOrganizations, listRoles } from '../organizations.ts';
import {
  buildPerson,
  KID_SCOPES,
  kidsOf,
  listAddresses,
  listContacts,
  listDocuments,
  listKidDocuments,
  listKids,
  toCollection,
  type CollectionItem,
  type PeopleContext,
} from '../people.ts';

const JSON_TYPE = 'application/json;charset=UTF-8';

/** A request with the router's path parameters. */
type RestContext = Context & { params: Record<string, string | undefined> };

/**
 * Error answers. Only the 401 body is documented (ESIA.md); the 403, 404 and 400 bodies are guesses
 * in the same `{code, message}` shape.
 */
const REST_ERRORS = {
  invalidToken: { status: 401, code: 'ESIA-005011', message: 'SecurityErrorEnum.invalidToken' },
  accessDenied: { status: 403, code: 'ESIA-005007', message: 'SecurityErrorEnum.accessDenied' },
  notFound: { status: 404, code: 'ESIA-005004', message: 'CommonErrorEnum.notFound' },
  badRequest: { status: 400, code: 'ESIA-005001', message: 'CommonErrorEnum.invalidParameter' },
} as const;

class RestError extends Error {
  constructor(readonly kind: keyof typeof REST_ERRORS) {
    super(kind);
    this.name = 'RestError';
  }
}

type Lister = (ctx: PeopleContext, persona: Persona, scopes: readonly string[], embedKidDocuments: boolean) => CollectionItem[] | undefined;

/**
 * A person's collections by path segment. `embedKey` names the collection on the person with
 * `?embed=`; `inline` collections always carry objects (ESIA's `roles`). `vhls` is always empty and
 * open to any token of the person (the `vehicles` scope is not among the mock's scopes).
 */
const COLLECTIONS: Readonly<Record<string, { list: Lister; embedKey?: string; inline?: boolean }>> = {
  ctts: { list: listContacts, embedKey: 'contacts' },
  docs: { list: listDocuments, embedKey: 'documents' },
  addrs: { list: listAddresses, embedKey: 'addresses' },
  kids: { list: (ctx, persona, scopes, embedDocs) => listKids(ctx, persona, scopes, embedDocs), embedKey: 'kids' },
  vhls: { list: () => [], embedKey: 'vehicles' },
  roles: { list: listRoles, inline: true },
  orgs: { list: listOrganizations },
};

/** Every path of `full` with its prefixes (`a.b` allows `a` too). */
function embedPaths(...full: string[]): ReadonlySet<string> {
  return new Set(full.flatMap((path) => path.split('.').map((_, i, parts) => parts.slice(0, i + 1).join('.'))));
}

const PERSON_EMBEDS = embedPaths(
  'contacts.elements',
  'documents.elements',
  'addresses.elements',
  'vehicles.elements',
  'kids.elements.documents.elements',
);
const COLLECTION_EMBEDS = embedPaths('elements');
const KIDS_EMBEDS = embedPaths('elements.documents.elements');
const KID_EMBEDS = embedPaths('documents.elements');
const NO_EMBEDS: ReadonlySet<string> = new Set();

/**
 * Parses `embed=(a.b,c.d)`: the named paths and their prefixes. Malformed, repeated or unknown
 * paths are a 400 (guess: ESIA's handling of unknown paths is not documented).
 */
function parseEmbed(value: string | string[] | undefined, allowed: ReadonlySet<string>): ReadonlySet<string> {
  if (value === undefined) return NO_EMBEDS;
  const list = typeof value === 'string' ? /^\((.+)\)$/.exec(value.trim())?.[1] : undefined;
  if (list === undefined) throw new RestError('badRequest');
  const paths = list.split(',').map((p) => p.trim());
  if (paths.some((p) => !/^[A-Za-z]+(\.[A-Za-z]+)*$/.test(p) || !allowed.has(p))) throw new RestError('badRequest');
  return embedPaths(...paths);
}

function parseId(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,15}$/.test(value) ? Number(value) : undefined;
}

function reply(ctx: RestContext, status: number, body: unknown): void {
  ctx.status = status;
  ctx.set('Content-Type', JSON_TYPE);
  ctx.body = JSON.stringify(body);
}

/** The caller, known from the bearer token. */
interface Caller {
  readonly token: AccessTokenRecord;
  readonly people: PeopleContext;
}

function authenticate(ctx: RestContext, deps: MockEsiaDeps): AccessTokenRecord {
  const bearer = /^Bearer\s+(\S+)\s*$/i.exec(ctx.get('Authorization'))?.[1];
  const record = bearer ? deps.state.accessTokens.get(bearer) : undefined;
  if (!record) throw new RestError('invalidToken');
  return record;
}

type Handler = (ctx: RestContext, caller: Caller, deps: MockEsiaDeps) => unknown;

function serve(deps: MockEsiaDeps, handler: Handler) {
  return (ctx: RestContext): void => {
    try {
      const token = authenticate(ctx, deps);
      const people = { baseUrl: deps.baseUrl, now: deps.personasAnchor, timeZone: deps.timeZone, personas: deps.personas };
      reply(ctx, 200, handler(ctx, { token, people }, deps));
    } catch (err) {
      if (!(err instanceof RestError)) throw err;
      const { status, code, message } = REST_ERRORS[err.kind];
      reply(ctx, status, { code, message });
    }
  };
}

/** The person of the path, who must be the token's. */
function ownPerson(ctx: RestContext, caller: Caller, deps: MockEsiaDeps): Persona {
  const oid = parseId(ctx.params.oid);
  if (oid === undefined) throw new RestError('notFound');
  if (oid !== caller.token.oid) throw new RestError('accessDenied');
  const persona = deps.people.get(oid);
  if (!persona) throw new RestError('notFound');
  return persona;
}

/** `/rs/prns/{oid}`; embedded collections the scopes do not cover are left out. */
const getPerson: Handler = (ctx, caller, deps) => {
  const persona = ownPerson(ctx, caller, deps);
  const embeds = parseEmbed(ctx.query.embed, PERSON_EMBEDS);
  const { people, token } = caller;
  const person = buildPerson(people, persona, token.scopes);
  for (const { list, embedKey } of Object.values(COLLECTIONS)) {
    if (!embedKey || !embeds.has(embedKey)) continue;
    const items = list(people, persona, token.scopes, embeds.has('kids.elements.documents.elements'));
    if (items) person[embedKey] = toCollection(items, embeds.has(`${embedKey}.elements`));
  }
  return person;
};

function collectionOf(ctx: RestContext) {
  const name = ctx.params.collection ?? '';
  const spec = Object.hasOwn(COLLECTIONS, name) ? COLLECTIONS[name] : undefined;
  if (!spec) throw new RestError('notFound');
  return { name, spec };
}

/** `/rs/prns/{oid}/{collection}`. */
const getCollection: Handler = (ctx, caller, deps) => {
  const persona = ownPerson(ctx, caller, deps);
  const { name, spec } = collectionOf(ctx);
  const embeds = parseEmbed(ctx.query.embed, name === 'kids' ? KIDS_EMBEDS : COLLECTION_EMBEDS);
  const items = spec.list(caller.people, persona, caller.token.scopes, embeds.has('elements.documents.elements'));
  if (!items) throw new RestError('accessDenied');
  return toCollection(items, spec.inline === true || embeds.has('elements'));
};

/** `/rs/prns/{oid}/{collection}/{id}`. */
const getItem: Handler = (ctx, caller, deps) => {
  const persona = ownPerson(ctx, caller, deps);
  const { name, spec } = collectionOf(ctx);
  const embeds = parseEmbed(ctx.query.embed, name === 'kids' ? KID_EMBEDS : NO_EMBEDS);
  const items = spec.list(caller.people, persona, caller.token.scopes, embeds.has('documents.elements'));
  if (!items) throw new RestError('accessDenied');
  const id = parseId(ctx.params.id);
  const item = items.find((i) => i.id === id);
  if (!item) throw new RestError('notFound');
  return item.object;
};

/** The documents of a parent's child, `/rs/prns/{parent}/kids/{kid}/docs`. */
function kidDocuments(ctx: RestContext, caller: Caller, deps: MockEsiaDeps): CollectionItem[] {
  const parent = ownPerson(ctx, caller, deps);
  const scopes = caller.token.scopes;
  if (!KID_SCOPES.some((s) => scopes.includes(s))) throw new RestError('accessDenied');
  const kidOid = parseId(ctx.params.kidId);
  const kid = kidsOf(caller.people, parent).find((k) => k.esia.oid === kidOid);
  if (!kid || ctx.params.sub !== 'docs') throw new RestError('notFound');
  const items = listKidDocuments(caller.people, parent, kid, scopes);
  if (!items) throw new RestError('accessDenied');
  return items;
}

const getKidCollection: Handler = (ctx, caller, deps) => {
  const items = kidDocuments(ctx, caller, deps);
  return toCollection(items, parseEmbed(ctx.query.embed, COLLECTION_EMBEDS).has('elements'));
};

const getKidItem: Handler = (ctx, caller, deps) => {
  const items = kidDocuments(ctx, caller, deps);
  parseEmbed(ctx.query.embed, NO_EMBEDS);
  const id = parseId(ctx.params.subId);
  const item = items.find((i) => i.id === id);
  if (!item) throw new RestError('notFound');
  return item.object;
};

/** `/rs/orgs/{orgOid}`: any valid token with `usr_org` (a person's or a system's). */
const getOrganization: Handler = (ctx, caller, deps) => {
  if (!caller.token.scopes.includes('usr_org')) throw new RestError('accessDenied');
  parseEmbed(ctx.query.embed, NO_EMBEDS);
  const orgOid = parseId(ctx.params.orgOid);
  const org = orgOid === undefined ? undefined : buildOrganization(deps.personas, orgOid);
  if (!org) throw new RestError('notFound');
  return org;
};

/**
 * Mounts ESIA's REST API on `router`: `/rs/prns/:oid`, its collections (`ctts`, `addrs`, `docs`,
 * `kids`, `vhls`, `roles`, `orgs`) and items, a child's documents under the parent
 * (`/rs/prns/:oid/kids/:kidId/docs[/:id]`) and `/rs/orgs/:orgOid`. Each route first applies the
 * `rs` fault switches. Errors: 401 bad token, 403 another person's data or a missing scope, 404
 * unknown person, collection or item, 400 malformed `embed`.
 */
export function registerRestRoutes(router: Router, deps: MockEsiaDeps): void {
  const faults = applyEndpointFaults(deps.faults, 'rs');
  router.get('/rs/prns/:oid', faults, serve(deps, getPerson));
  router.get('/rs/prns/:oid/:collection', faults, serve(deps, getCollection));
  router.get('/rs/prns/:oid/:collection/:id', faults, serve(deps, getItem));
  router.get('/rs/prns/:oid/kids/:kidId/:sub', faults, serve(deps, getKidCollection));
  router.get('/rs/prns/:oid/kids/:kidId/:sub/:subId', faults, serve(deps, getKidItem));
  router.get('/rs/orgs/:orgOid', faults, serve(deps, getOrganization));
}
