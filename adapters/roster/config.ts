/**
 * Configuration of a roster adapter: a CSV or JSON file a school exports (see README.md for the
 * formats). Unknown keys are rejected.
 */
import { z } from 'zod';

/** A school: CSV rosters name schools by id only, so their names come from here. */
export const rosterInstitutionSchema = z
  .object({
    id: z.string().trim().min(1),
    /** The name users see, e.g. `МБОУ «Школа № 1» г.о. Самара`. */
    name: z.string().trim().min(1),
    municipality: z.string().trim().min(1).optional(),
  })
  .strict();

export const rosterReloadSchema = z
  .object({
    /** Watch the file's folder with `fs.watch` and reload soon after a change. */
    watch: z.boolean().default(true),
    /**
     * Also check the file's size and modification time this often, milliseconds: the fallback where
     * `fs.watch` sees nothing (network shares, some container mounts). 0 turns polling off.
     */
    pollIntervalMs: z.number().int().min(0).default(5000),
  })
  .strict();

export const rosterConfigSchema = z
  .object({
    /** The roster file (absolute, or relative to the broker's working directory). */
    path: z.string().trim().min(1),
    /** `auto`: `.json` files are JSON, anything else CSV. */
    format: z.enum(['csv', 'json', 'auto']).default('auto'),
    /** The CSV delimiter; guessed from the header line when absent (`;` or `,`). */
    delimiter: z.enum([';', ',']).optional(),
    /**
     * Schools and their names. Required for CSV rosters (they carry ids only); for JSON rosters they
     * add to the file's list and win over it for the same id.
     */
    institutions: z.array(rosterInstitutionSchema).optional(),
    /** How changes to the file are noticed. The new file replaces the old data only when it is valid. */
    reload: rosterReloadSchema.default({ watch: true, pollIntervalMs: 5000 }),
  })
  .strict();

export type RosterAdapterConfig = z.infer<typeof rosterConfigSchema>;
export type RosterInstitution = z.infer<typeof rosterInstitutionSchema>;
