/**
 * Hand-written checks (see `core/fast-parse.ts`) for the ESIA answers read on every login: the token
 * response, a JWT's header and claims, and the person. Measured in `bench -- login`, zod spent about
 * 110 µs per login on them in place; these cost under 10. Each is held to its schema by mutations of
 * real answers in `fast-shapes.test.ts`.
 */
import { isNumber, isObject, isSafeInt, optBoolean, optString, type Json } from '../../core/fast-parse.ts';
import {
  collectionSchema,
  esiaContactSchema,
  esiaDocumentSchema,
  esiaKidSchema,
  type EsiaDocumentResponse,
  type EsiaKid,
  type EsiaPerson,
  type EsiaPersonResponse,
} from './person.ts';

const optNumericDate = (v: unknown) => v === undefined || (isSafeInt(v) && v >= 0);
const isNumberOrString = (v: unknown) => typeof v === 'string' || isNumber(v);
const isStringOrStrings = (v: unknown) => typeof v === 'string' || (Array.isArray(v) && v.every((s) => typeof s === 'string'));
/** An oid as ESIA writes it: a positive safe integer (numeric strings are zod's to convert). */
const isOid = (v: unknown): v is number => isSafeInt(v) && v > 0;

const RU_DATE = /^\d{2}\.\d{2}\.\d{4}$/;
const SNILS = /^\d{3}-\d{3}-\d{3} \d{2}$/;
const optRuDate = (v: unknown) => v === undefined || (typeof v === 'string' && RU_DATE.test(v));

/** `tokenResponseSchema` without the string `expires_in` (zod converts that). */
export function isTokenResponse(v: unknown): boolean {
  if (!isObject(v)) return false;
  const { access_token: access, id_token: id, refresh_token: refresh } = v;
  return (
    typeof access === 'string' &&
    access.length > 0 &&
    (id === undefined || (typeof id === 'string' && id.length > 0)) &&
    (refresh === undefined || (typeof refresh === 'string' && refresh.length > 0)) &&
    typeof v.state === 'string' &&
    optString(v.token_type) &&
    isNumber(v.expires_in)
  );
}

/** The verifier's `headerSchema`. */
export function isJwtHeader(v: unknown): boolean {
  return isObject(v) && typeof v.alg === 'string' && optString(v.typ) && optString(v.sbt) && (v.ver === undefined || isNumberOrString(v.ver));
}

/** The verifier's `baseClaims`. */
export function isBaseClaims(v: unknown): boolean {
  return isObject(v) && typeof v.iss === 'string' && isSafeInt(v.exp) && v.exp >= 0 && optNumericDate(v.nbf) && optNumericDate(v.iat);
}

/** The verifier's `accessClaimsSchema`, with a numeric `urn:esia:sbj_id`. */
export function isAccessClaims(v: unknown): boolean {
  return isBaseClaims(v) && typeof (v as Json).client_id === 'string' && optString((v as Json).scope) && isOid((v as Json)['urn:esia:sbj_id']) && optString((v as Json)['urn:esia:sid']);
}

/** The verifier's `idClaimsSchema`, with numeric oids. */
export function isIdClaims(v: unknown): boolean {
  if (!isBaseClaims(v)) return false;
  const c = v as Json;
  const sbj = c['urn:esia:sbj'];
  return (
    isStringOrStrings(c.aud) &&
    isOid(c.sub) &&
    (c.amr === undefined || isStringOrStrings(c.amr)) &&
    (c['urn:esia:amd'] === undefined || isStringOrStrings(c['urn:esia:amd'])) &&
    optNumericDate(c.auth_time) &&
    optString(c['urn:esia:sid']) &&
    (sbj === undefined ||
      (isObject(sbj) &&
        optString(sbj['urn:esia:sbj:typ']) &&
        optBoolean(sbj['urn:esia:sbj:is_tru']) &&
        (sbj['urn:esia:sbj:oid'] === undefined || isOid(sbj['urn:esia:sbj:oid'])) &&
        optString(sbj['urn:esia:sbj:nam']) &&
        optString(sbj['urn:esia:sbj:lvl'])))
  );
}

/** `collectionSchema(item)` with `elements` present (zod supplies the default). */
function isCollection(v: unknown, item: (e: unknown) => boolean): boolean {
  if (!isObject(v)) return false;
  const { stateFacts, size, eTag, elements } = v;
  if (stateFacts !== undefined && !(Array.isArray(stateFacts) && stateFacts.every((s) => typeof s === 'string'))) return false;
  if (size !== undefined && !(isSafeInt(size) && size >= 0)) return false;
  if (!optString(eTag) || !Array.isArray(elements)) return false;
  for (const e of elements) if (typeof e !== 'string' && !item(e)) return false;
  return true;
}
const optCollection = (v: unknown, item: (e: unknown) => boolean) => v === undefined || isCollection(v, item);

function isDocument(v: unknown): boolean {
  return (
    isObject(v) &&
    (v.id === undefined || isNumberOrString(v.id)) &&
    typeof v.type === 'string' &&
    optString(v.vrfStu) &&
    optString(v.series) &&
    optString(v.number) &&
    optString(v.issueDate) &&
    optString(v.issueId) &&
    optString(v.issuedBy)
  );
}

function isContact(v: unknown): boolean {
  return isObject(v) && (v.id === undefined || isNumberOrString(v.id)) && typeof v.type === 'string' && optString(v.vrfStu) && typeof v.value === 'string';
}

function isKid(v: unknown): boolean {
  return (
    isObject(v) &&
    isNumberOrString(v.id) &&
    optString(v.firstName) &&
    optString(v.lastName) &&
    optString(v.middleName) &&
    optRuDate(v.birthDate) &&
    optString(v.gender) &&
    optString(v.snils) &&
    optString(v.inn) &&
    optBoolean(v.trusted) &&
    optCollection(v.documents, isDocument)
  );
}

/** `esiaPersonSchema`. */
export function isPersonResponse(v: unknown): boolean {
  return (
    isObject(v) &&
    optString(v.firstName) &&
    optString(v.lastName) &&
    optString(v.middleName) &&
    optRuDate(v.birthDate) &&
    optString(v.birthPlace) &&
    optString(v.gender) &&
    optBoolean(v.trusted) &&
    (v.snils === undefined || (typeof v.snils === 'string' && SNILS.test(v.snils))) &&
    optString(v.inn) &&
    optString(v.status) &&
    (v.updatedOn === undefined || isNumber(v.updatedOn)) &&
    optString(v.eTag) &&
    optCollection(v.contacts, isContact) &&
    optCollection(v.documents, isDocument) &&
    optCollection(v.addresses, isObject) &&
    optCollection(v.kids, isKid)
  );
}

// The schemas' own field names: what zod's output keeps of an element.
const DOCUMENT_KEYS = Object.keys(esiaDocumentSchema.shape);
const CONTACT_KEYS = Object.keys(esiaContactSchema.shape);
const KID_KEYS = Object.keys(esiaKidSchema.shape).filter((key) => key !== 'documents');
const COLLECTION_KEYS = Object.keys(collectionSchema(esiaDocumentSchema).shape).filter((key) => key !== 'elements');

/** The named fields of an object that has them (as zod's output has them: unknown fields left out). */
function pick<T>(source: object, keys: readonly string[]): T {
  const out: Json = {};
  for (const key of keys) {
    const value = (source as Json)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}

const pickDocument = (d: EsiaDocumentResponse): EsiaDocumentResponse => pick(d, DOCUMENT_KEYS);

function pickKid(kid: EsiaKid): EsiaKid {
  const out = pick<Json>(kid, KID_KEYS);
  if (kid.documents) {
    const documents = pick<Json>(kid.documents, COLLECTION_KEYS);
    documents.elements = kid.documents.elements.map((e) => (typeof e === 'string' ? e : pickDocument(e)));
    out.documents = documents;
  }
  return out as EsiaKid;
}

/** The objects of a collection (its URL elements left out). */
const objects = <T>(c: { elements: (string | T)[] } | undefined): T[] => (c?.elements ?? []).filter((e): e is Exclude<typeof e, string> => typeof e !== 'string') as T[];

/**
 * The embedded documents, contacts and children of a person, each with only the schema's fields,
 * whichever way the answer was checked (a recognised answer keeps its unknown fields).
 */
export function personCollections(p: EsiaPersonResponse): Pick<EsiaPerson, 'documents' | 'contacts' | 'kids'> {
  return {
    documents: objects(p.documents).map(pickDocument),
    contacts: objects(p.contacts).map((c) => pick(c, CONTACT_KEYS)),
    kids: objects(p.kids).map(pickKid),
  };
}
