/**
 * The project's base error: a stable `code` to branch on and `cause` always set (the underlying error,
 * or the details that led here). Messages are for logs; what users and relying parties see is fixed
 * text chosen from the code. Every area (ESIA client, adapters, broker) extends it with its own codes.
 */
export class BaseError<C extends string = string> extends Error {
  readonly code: C;
  constructor(code: C, message: string, options: { cause: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
