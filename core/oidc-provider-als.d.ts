/**
 * oidc-provider's own AsyncLocalStorage (not part of its typed API): it runs each of its requests
 * inside it with the Koa context as the store. `request-context.ts` shares it, see there why.
 */
declare module 'oidc-provider/lib/helpers/als.js' {
  import type { AsyncLocalStorage } from 'node:async_hooks';
  const als: AsyncLocalStorage<unknown>;
  export default als;
}
