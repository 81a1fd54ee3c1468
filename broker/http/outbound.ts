/** The outbound HTTP factory lives in `core/outbound.ts` (adapters use it too). */
export * from '../../core/outbound.ts';
