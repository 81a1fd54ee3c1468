import { describe, expect, it } from 'vitest';
import { Code, I32, I64, assemble, type WasmFunction } from './wasm-emit.ts';

/** Instantiates functions on a fresh one-page memory. */
function instantiate(functions: readonly WasmFunction[]): Record<string, (...args: unknown[]) => unknown> {
  const memory = new WebAssembly.Memory({ initial: 1 });
  const instance = new WebAssembly.Instance(new WebAssembly.Module(assemble(functions, 1)), { env: { memory } });
  return instance.exports as Record<string, (...args: unknown[]) => unknown>;
}

describe('the WebAssembly writer', () => {
  it('encodes 64- and 32-bit immediates at the LEB128 edges', () => {
    const i64s = [0n, 1n, 63n, 64n, 127n, 128n, -1n, -64n, -65n, (1n << 62n) - 1n, 1n << 62n, (1n << 63n) - 1n, 1n << 63n, (1n << 64n) - 1n];
    const i32s = [0, 63, 64, -1, -64, -65, 2 ** 31 - 1, -(2 ** 31)];
    const exports = instantiate([
      ...i64s.map((v, i): WasmFunction => ({ params: [], results: [I64], code: new Code(0).i64(v), export: `a${i}` })),
      ...i32s.map((v, i): WasmFunction => ({ params: [], results: [I32], code: new Code(0).i32(v), export: `b${i}` })),
    ]);
    i64s.forEach((v, i) => expect(exports[`a${i}`]!(), v.toString()).toBe(BigInt.asIntN(64, v)));
    i32s.forEach((v, i) => expect(exports[`b${i}`]!(), String(v)).toBe(v));
  });

  it('runs locals, loops, calls and memory: a sum of squares stored and read back', () => {
    // square(x) = x·x; sumSquares(n) stores Σ square(i), i < n, at byte 8 and returns it.
    const square = new Code(1).get(0).get(0).i64Mul();
    const sum = new Code(1);
    const i = sum.local(I64);
    const acc = sum.local(I64);
    sum.block().loop();
    sum.get(i).get(0).i64LtU().i32Eqz().brIf(1);
    sum.get(acc).get(i).call(0).i64Add().set(acc);
    sum.get(i).i64(1).i64Add().set(i);
    sum.br(0).end().end();
    sum.i32(8).get(acc).i64Store();
    sum.i32(8).i64Load();
    const exports = instantiate([
      { params: [I64], results: [I64], code: square },
      { params: [I64], results: [I64], code: sum, export: 'sumSquares' },
    ]);
    expect(exports.sumSquares!(1000n)).toBe(332_833_500n);
    expect(exports.square).toBeUndefined();
  });
});
