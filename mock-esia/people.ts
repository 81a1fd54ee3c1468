/**
 * Personas as ESIA's REST API shows them: the person, contacts, documents, addresses, children,
 * vehicles, and the organizations a staff member works for. Pure functions of the persona, the
 * granted scopes and the clock's `now` (ages are relative to it), so the same input always gives
 * the same JSON; numeric ids derive from the oid and the position, stable across restarts.
 *
 * Where ESIA.md is silent the choices are marked "guess" below.
 */
import { createHash } from 'node:crypto';
import { birthDateOf, formatRuDate, type EsiaDocument, type Persona, type PersonasFile } from '../fixtures/personas.ts';
import { ESIA_SCOPES, type EsiaScope } from '../config/schema.ts';

/** A JSON object as ESIA returns it. */
export type JsonObject = Record<string, unknown>;

/** What the builders need besides the persona and the scopes. */
export interface PeopleContext {
  /** mock-esia's base URL without a trailing slash; collection elements link under it. */
  readonly baseUrl: string;
  /** The clock's current time: birth dates given as ages are computed from it. */
  readonly now: Date;
  /** The region's time zone, in which `now` falls on a calendar day. */
  readonly timeZone: string;
  /** All personas (children and institutions are looked up here). */
  readonly personas: PersonasFile;
}

/** ESIA's collection envelope. */
export interface EsiaCollection {
  readonly stateFacts: readonly ['hasSize'];
  readonly size: number;
  readonly eTag: string;
  /** Links to the elements, or the elements themselves with `embed=(elements)`. */
  readonly elements: ReadonlyArray<string | JsonObject>;
}

/** One element of a collection: its id, its own URL and the object. */
export interface CollectionItem {
  readonly id: number;
  readonly url: string;
  readonly object: JsonObject;
}

/** Scopes that open a parent's `kids` collection. */
export const KID_SCOPES: readonly EsiaScope[] = ESIA_SCOPES.filter((s) => s.startsWith('kid_'));

/** Document types each kid document scope opens (ESIA codes; medical policy is `MDCL_PLCY`). */
const KID_DOCUMENT_TYPES: Readonly<Record<string, string>> = {
  kid_birth_cert_doc: 'RF_BRTH_CERT',
  kid_medical_doc: 'MDCL_PLCY',
};

/** 40 upper-case hex characters: SHA-1 of the content's JSON, so it changes with the content. */
export function eTagOf(content: unknown): string {
  return createHash('sha1').update(JSON.stringify(content)).digest('hex').toUpperCase();
}

/** Wraps elements in ESIA's collection envelope; `embed` inlines the objects instead of links. */
export function toCollection(items: readonly CollectionItem[], embed: boolean): EsiaCollection {
  const elements = items.map((item) => (embed ? item.object : item.url));
  return { stateFacts: ['hasSize'], size: elements.length, eTag: eTagOf(elements), elements };
}

function has(scopes: readonly string[], ...any: readonly string[]): boolean {
  return any.some((s) => scopes.includes(s));
}

function withETag(object: JsonObject): JsonObject {
  return { ...object, eTag: eTagOf(object) };
}

/** Kinds of numbered things, each in its own id range (guess: ESIA ids are opaque integers). */
const ID_RANGE = { contact: 100_000_000, document: 200_000_000, address: 300_000_000 } as const;

/** A stable id for the `index`-th thing of `kind` belonging to `oid`. */
export function itemId(kind: keyof typeof ID_RANGE, oid: number, index: number): number {
  return ID_RANGE[kind] + (oid % 1_000_000) * 100 + index;
}

/** Last profile change, unix seconds: a fixed instant per person (guess: spread over late 2023). */
function updatedOn(oid: number): number {
  return 1_700_000_000 + (oid % 1_000_000) * 86_399;
}

/** Personas have no birth place; a fixed city of the region per person (guess). */
const BIRTH_PLACES = ['Самара', 'Тольятти', 'Сызрань', 'Новокуйбышевск', 'Чапаевск'] as const;

/** The identity document `rIdDoc` points at: the passport, else the first document. */
function identityDocumentIndex(documents: readonly EsiaDocument[]): number {
  const passport = documents.findIndex((d) => d.type === 'RF_PASSPORT');
  return passport >= 0 ? passport : documents.length ? 0 : -1;
}

/**
 * The person object of `/rs/prns/{oid}`. With only `openid` ESIA still answers with the account's
 * state (guess, following the MR example): `stateFacts`, `trusted`, `citizenship`, `updatedOn`,
 * `status`, `verifying`, `containsUpCfmCode` and `eTag`. Every personal field needs its scope:
 * `fullname`, `birthdate`, `gender`, `birthplace`, `snils`, `inn`, and `id_doc` for `rIdDoc`.
 */
export function buildPerson(ctx: PeopleContext, persona: Persona, scopes: readonly string[]): JsonObject {
  const p = persona.esia;
  const person: JsonObject = { stateFacts: ['EntityRoot'] };
  if (has(scopes, 'fullname')) {
    person.firstName = p.firstName;
    person.lastName = p.lastName;
    if (p.middleName) person.middleName = p.middleName;
  }
  if (has(scopes, 'birthdate')) person.birthDate = formatRuDate(birthDateOf(p, ctx.now, ctx.timeZone));
  if (has(scopes, 'birthplace')) person.birthPlace = BIRTH_PLACES[p.oid % BIRTH_PLACES.length];
  if (has(scopes, 'gender')) person.gender = p.gender;
  person.trusted = p.level === 'confirmed';
  person.citizenship = 'RUS';
  if (has(scopes, 'snils') && p.snils) person.snils = p.snils;
  if (has(scopes, 'inn') && p.inn) person.inn = p.inn;
  person.updatedOn = updatedOn(p.oid);
  person.status = p.status ?? 'REGISTERED';
  person.verifying = false;
  const idDoc = identityDocumentIndex(p.documents);
  if (has(scopes, 'id_doc') && idDoc >= 0) person.rIdDoc = itemId('document', p.oid, idDoc);
  person.containsUpCfmCode = false;
  return withETag(person);
}

function personUrl(ctx: PeopleContext, oid: number): string {
  return `${ctx.baseUrl}/rs/prns/${oid}`;
}

/**
 * `/ctts`: e-mail (scope `email` or `contacts`) and mobile phone (`mobile` or `contacts`), both
 * verified (guess: the persona logged in with them). Undefined when no scope covers contacts.
 */
export function listContacts(ctx: PeopleContext, persona: Persona, scopes: readonly string[]): CollectionItem[] | undefined {
  const p = persona.esia;
  const email = has(scopes, 'email', 'contacts');
  const mobile = has(scopes, 'mobile', 'contacts');
  if (!email && !mobile) return undefined;
  const all = [
    { type: 'EML', value: p.email, granted: email },
    { type: 'MBT', value: p.mobile, granted: mobile },
  ];
  return all.flatMap(({ type, value, granted }, index) => {
    if (!granted || !value) return [];
    const id = itemId('contact', p.oid, index);
    const object = withETag({ stateFacts: ['Identifiable'], id, type, vrfStu: 'VERIFIED', value });
    return [{ id, url: `${personUrl(ctx, p.oid)}/ctts/${id}`, object }];
  });
}

function documentObject(owner: number, index: number, d: EsiaDocument): JsonObject {
  const object: JsonObject = { stateFacts: ['Identifiable'], id: itemId('document', owner, index), type: d.type, vrfStu: d.vrfStu };
  for (const key of ['series', 'number', 'issueDate', 'issueId', 'issuedBy', 'actNo'] as const) {
    if (d[key] !== undefined) object[key] = d[key];
  }
  return withETag(object);
}

/** `/docs` (scope `id_doc`): every document of the person; undefined without the scope. */
export function listDocuments(ctx: PeopleContext, persona: Persona, scopes: readonly string[]): CollectionItem[] | undefined {
  if (!has(scopes, 'id_doc')) return undefined;
  const p = persona.esia;
  return p.documents.map((d, index) => {
    const object = documentObject(p.oid, index, d);
    return { id: object.id as number, url: `${personUrl(ctx, p.oid)}/docs/${object.id}`, object };
  });
}

/** Streets per city for plausible addresses; zip codes start with the city's prefix. */
const STREETS: Readonly<Record<string, { zip: string; streets: readonly string[] }>> = {
  Самара: { zip: '443', streets: ['ул. Молодогвардейская', 'ул. Ново-Садовая', 'ул. Гагарина', 'пр-кт Кирова', 'ул. Победы'] },
  Тольятти: { zip: '445', streets: ['ул. Ленинградская', 'б-р Ленина', 'ул. Революционная', 'ул. Юбилейная'] },
};

/** The family's oid: a child lives with the first parent listing them, everyone else on their own. */
function householdOf(ctx: PeopleContext, persona: Persona): Persona {
  return ctx.personas.people.find((p) => p.esia.kids?.includes(persona.key)) ?? persona;
}

/**
 * `/addrs` (scope `addresses`): one registration address (`PRG`) in the city of the family's first
 * school (Самара otherwise), street and numbers derived from the family's oid (guess: personas
 * have no address). Undefined without the scope.
 */
export function listAddresses(ctx: PeopleContext, persona: Persona, scopes: readonly string[]): CollectionItem[] | undefined {
  if (!has(scopes, 'addresses')) return undefined;
  const home = householdOf(ctx, persona);
  const institution = ctx.personas.institutions.find((i) => i.id === home.journal[0]?.institution);
  const named = institution?.municipality.replace(/^г\.\s?о\.\s*/, '');
  const city = named && STREETS[named] ? named : 'Самара';
  const { zip, streets } = STREETS[city]!;
  const seed = home.esia.oid % 1_000_000;
  const street = streets[seed % streets.length]!;
  const house = String(1 + ((seed * 7) % 150));
  const flat = String(1 + ((seed * 13) % 200));
  const zipCode = `${zip}${String(1 + (seed % 90)).padStart(3, '0')}`;
  const region = 'Самарская область';
  const id = itemId('address', persona.esia.oid, 0);
  const object = withETag({
    stateFacts: ['Identifiable'],
    id,
    type: 'PRG',
    addressStr: `${region}, г. ${city}, ${street}, д. ${house}, кв. ${flat}`,
    countryId: 'RUS',
    zipCode,
    region,
    city: `г. ${city}`,
    street,
    house,
    flat,
  });
  return [{ id, url: `${personUrl(ctx, persona.esia.oid)}/addrs/${id}`, object }];
}

/** The children a parent's account lists, as personas. */
export function kidsOf(ctx: PeopleContext, parent: Persona): Persona[] {
  return (parent.esia.kids ?? []).flatMap((key) => ctx.personas.people.filter((p) => p.key === key));
}

/**
 * A child's documents as the parent sees them, under `/rs/prns/{parent}/kids/{kid}/docs`: birth
 * certificates with `kid_birth_cert_doc`, medical policies with `kid_medical_doc`. Undefined when
 * neither scope is granted.
 */
export function listKidDocuments(
  ctx: PeopleContext,
  parent: Persona,
  kid: Persona,
  scopes: readonly string[],
): CollectionItem[] | undefined {
  const types = Object.entries(KID_DOCUMENT_TYPES).flatMap(([scope, type]) => (scopes.includes(scope) ? [type] : []));
  if (!types.length) return undefined;
  const base = `${personUrl(ctx, parent.esia.oid)}/kids/${kid.esia.oid}/docs`;
  return kid.esia.documents.flatMap((d, index) => {
    if (!types.includes(d.type)) return [];
    const object = documentObject(kid.esia.oid, index, d);
    return [{ id: object.id as number, url: `${base}/${object.id}`, object }];
  });
}

/**
 * A child as the parent sees it: `id` is the child's oid; names with `kid_fullname`, `birthDate`
 * with `kid_birthdate`, `gender` with `kid_gender`, `snils` with `kid_snils`, `inn` with `kid_inn`,
 * `documents` (a collection, inlined when `embedDocuments`) with a kid document scope; `trusted`
 * always (the shape is inferred, see ESIA.md).
 */
export function buildKid(
  ctx: PeopleContext,
  parent: Persona,
  kid: Persona,
  scopes: readonly string[],
  embedDocuments = false,
): JsonObject {
  const k = kid.esia;
  const object: JsonObject = { stateFacts: ['Identifiable'], id: k.oid };
  if (has(scopes, 'kid_fullname')) {
    object.firstName = k.firstName;
    object.lastName = k.lastName;
    if (k.middleName) object.middleName = k.middleName;
  }
  if (has(scopes, 'kid_birthdate')) object.birthDate = formatRuDate(birthDateOf(k, ctx.now, ctx.timeZone));
  if (has(scopes, 'kid_gender')) object.gender = k.gender;
  if (has(scopes, 'kid_snils') && k.snils) object.snils = k.snils;
  if (has(scopes, 'kid_inn') && k.inn) object.inn = k.inn;
  object.trusted = k.level === 'confirmed';
  const documents = listKidDocuments(ctx, parent, kid, scopes);
  if (documents) object.documents = toCollection(documents, embedDocuments);
  return withETag(object);
}

/** `/kids` (any `kid_*` scope): the children the parent's account lists; undefined without such a scope. */
export function listKids(
  ctx: PeopleContext,
  parent: Persona,
  scopes: readonly string[],
  embedDocuments = false,
): CollectionItem[] | undefined {
  if (!has(scopes, ...KID_SCOPES)) return undefined;
  return kidsOf(ctx, parent).map((kid) => ({
    id: kid.esia.oid,
    url: `${personUrl(ctx, parent.esia.oid)}/kids/${kid.esia.oid}`,
    object: buildKid(ctx, parent, kid, scopes, embedDocuments),
  }));
}
