/**
 * ESIA's REST responses as zod schemas (types come from them), and the account level derived as the
 * portal derives it.
 */
import { z } from 'zod';

const ruDate = z.string().regex(/^\d{2}\.\d{2}\.\d{4}$/);

export const esiaDocumentSchema = z
  .object({
    id: z.union([z.number(), z.string()]).optional(),
    type: z.string(),
    vrfStu: z.string().optional(),
    series: z.string().optional(),
    number: z.string().optional(),
    issueDate: z.string().optional(),
    issueId: z.string().optional(),
    issuedBy: z.string().optional(),
  });

export const esiaContactSchema = z
  .object({ id: z.union([z.number(), z.string()]).optional(), type: z.string(), vrfStu: z.string().optional(), value: z.string() });

/** A collection: element URLs, or the objects themselves with `embed=(elements)`. */
export function collectionSchema<T extends z.ZodType>(item: T) {
  return z
    .object({
      stateFacts: z.array(z.string()).optional(),
      size: z.number().int().nonnegative().optional(),
      eTag: z.string().optional(),
      elements: z.array(z.union([item, z.string()])).default([]),
    });
}

export const esiaKidSchema = z
  .object({
    id: z.union([z.number(), z.string()]),
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    middleName: z.string().optional(),
    birthDate: ruDate.optional(),
    gender: z.string().optional(),
    snils: z.string().optional(),
    inn: z.string().optional(),
    trusted: z.boolean().optional(),
    documents: collectionSchema(esiaDocumentSchema).optional(),
  });

export const esiaPersonSchema = z
  .object({
    firstName: z.string().optional(),
    lastName: z.string().optional(),
    middleName: z.string().optional(),
    birthDate: ruDate.optional(),
    birthPlace: z.string().optional(),
    gender: z.string().optional(),
    trusted: z.boolean().optional(),
    snils: z.string().regex(/^\d{3}-\d{3}-\d{3} \d{2}$/).optional(),
    inn: z.string().optional(),
    status: z.string().optional(),
    updatedOn: z.number().optional(),
    eTag: z.string().optional(),
    contacts: collectionSchema(esiaContactSchema).optional(),
    documents: collectionSchema(esiaDocumentSchema).optional(),
    addresses: collectionSchema(z.object({})).optional(),
    kids: collectionSchema(esiaKidSchema).optional(),
  });

export type EsiaPersonResponse = z.infer<typeof esiaPersonSchema>;
export type EsiaKid = z.infer<typeof esiaKidSchema>;
export type EsiaDocumentResponse = z.infer<typeof esiaDocumentSchema>;

/** A person read from ESIA, with embedded collections resolved to objects. */
export interface EsiaPerson {
  readonly oid: number;
  readonly firstName?: string;
  readonly lastName?: string;
  readonly middleName?: string;
  /** `dd.MM.yyyy` as ESIA writes it. */
  readonly birthDate?: string;
  readonly gender?: string;
  readonly snils?: string;
  readonly inn?: string;
  readonly trusted: boolean;
  readonly deleted: boolean;
  readonly documents: readonly EsiaDocumentResponse[];
  readonly contacts: readonly z.infer<typeof esiaContactSchema>[];
  readonly kids: readonly EsiaKid[];
}

export type AccountLevel = 'simplified' | 'standard' | 'confirmed';

/**
 * The account level by the portal's rule: `trusted` → confirmed; else SNILS and a verified document →
 * standard; else simplified. The id token's `is_tru` (present only when confirmed) and `lvl` (`PR`)
 * count as confirmation too; `KD` marks a child's account (`child: true`), which is never confirmed.
 */
export function deriveAccountLevel(input: {
  idToken?: { trusted: boolean; lvl?: string };
  person?: Pick<EsiaPerson, 'trusted' | 'snils' | 'documents'>;
}): { level: AccountLevel; child: boolean } {
  const child = input.idToken?.lvl === 'KD';
  const confirmed = !child && (input.person?.trusted === true || input.idToken?.trusted === true || input.idToken?.lvl === 'PR');
  if (confirmed) return { level: 'confirmed', child };
  const verifiedDocument = input.person?.documents.some((d) => d.vrfStu === 'VERIFIED') ?? false;
  if (input.person?.snils && verifiedDocument) return { level: 'standard', child };
  return { level: 'simplified', child };
}
