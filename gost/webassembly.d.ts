/**
 * The parts of the WebAssembly JavaScript API that `curve-wasm.ts` and `comb-wasm.ts` use. Node has
 * them as globals; TypeScript declares them only in the DOM library, which this project leaves out.
 */
declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number });
    readonly buffer: ArrayBuffer;
    grow(pages: number): number;
  }
  class Instance {
    constructor(module: Module, imports?: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
}
