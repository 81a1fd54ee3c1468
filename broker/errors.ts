/** The broker's errors extend the project's base error (see `core/errors.ts`). */
export { BaseError as BrokerError } from '../core/errors.ts';
