/**
 * A small WebAssembly binary writer: just the instructions and sections `curve-wasm.ts` needs to
 * assemble its module at start-up (no toolchain, no binary in the repository). Functions are built
 * as byte lists with `Code`; `assemble` lays out the type, import, function, export and code sections
 * of the WebAssembly 1.0 binary format.
 */

export const I32 = 0x7f;
export const I64 = 0x7e;
export type ValType = typeof I32 | typeof I64;

/** Unsigned LEB128. */
function uleb(n: number, out: number[]): void {
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
}

/** Signed LEB128 of a BigInt (64-bit immediates). */
function sleb(n: bigint, out: number[]): void {
  for (;;) {
    const byte = Number(n & 0x7fn);
    n >>= 7n;
    const signBit = (byte & 0x40) !== 0;
    if ((n === 0n && !signBit) || (n === -1n && signBit)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

function vec(items: readonly number[][], out: number[]): void {
  uleb(items.length, out);
  for (const item of items) out.push(...item);
}

function name(text: string, out: number[]): void {
  const bytes = new TextEncoder().encode(text);
  uleb(bytes.length, out);
  out.push(...bytes);
}

/** The instructions of one function body. Memory offsets are byte offsets; alignment is natural. */
export class Code {
  readonly bytes: number[] = [];
  private readonly locals: ValType[] = [];

  /** `params` are the function's parameter count: local indices continue after them. */
  constructor(private readonly params: number) {}

  /** Declares a local of type t and returns its index. */
  local(t: ValType): number {
    this.locals.push(t);
    return this.params + this.locals.length - 1;
  }

  /** Declares `count` locals of type t and returns their indices. */
  localsOf(t: ValType, count: number): number[] {
    return Array.from({ length: count }, () => this.local(t));
  }

  private op(...b: number[]): this {
    this.bytes.push(...b);
    return this;
  }

  private mem(opcode: number, align: number, offset: number): this {
    this.bytes.push(opcode, align);
    uleb(offset, this.bytes);
    return this;
  }

  /** An instruction with one unsigned index (a local or a function). */
  private indexed(opcode: number, index: number): this {
    this.bytes.push(opcode);
    uleb(index, this.bytes);
    return this;
  }

  get(i: number): this {
    return this.indexed(0x20, i);
  }
  set(i: number): this {
    return this.indexed(0x21, i);
  }
  tee(i: number): this {
    return this.indexed(0x22, i);
  }
  i32(n: number): this {
    this.bytes.push(0x41);
    sleb(BigInt(n | 0), this.bytes);
    return this;
  }
  i64(n: bigint | number): this {
    this.bytes.push(0x42);
    sleb(BigInt.asIntN(64, BigInt(n)), this.bytes);
    return this;
  }
  call(f: number): this {
    return this.indexed(0x10, f);
  }

  // Control. Blocks and loops carry no result.
  block(): this {
    return this.op(0x02, 0x40);
  }
  loop(): this {
    return this.op(0x03, 0x40);
  }
  if(): this {
    return this.op(0x04, 0x40);
  }
  else(): this {
    return this.op(0x05);
  }
  end(): this {
    return this.op(0x0b);
  }
  br(depth: number): this {
    return this.op(0x0c, depth);
  }
  brIf(depth: number): this {
    return this.op(0x0d, depth);
  }
  return(): this {
    return this.op(0x0f);
  }
  /** a, b, condition (i32) → condition ? a : b, for i64 or i32 operands. */
  select(): this {
    return this.op(0x1b);
  }

  // Memory.
  i32Load(offset = 0): this {
    return this.mem(0x28, 2, offset);
  }
  i64Load(offset = 0): this {
    return this.mem(0x29, 3, offset);
  }
  i32Load8u(offset = 0): this {
    return this.mem(0x2d, 0, offset);
  }
  i32Store(offset = 0): this {
    return this.mem(0x36, 2, offset);
  }
  i64Store(offset = 0): this {
    return this.mem(0x37, 3, offset);
  }

  // i32 arithmetic.
  i32Eqz(): this {
    return this.op(0x45);
  }
  i32Add(): this {
    return this.op(0x6a);
  }
  i32Mul(): this {
    return this.op(0x6c);
  }
  i32And(): this {
    return this.op(0x71);
  }
  i32Or(): this {
    return this.op(0x72);
  }
  i32Shl(): this {
    return this.op(0x74);
  }
  i32LtU(): this {
    return this.op(0x49);
  }

  // i64 arithmetic.
  i64Eqz(): this {
    return this.op(0x50);
  }
  i64Ne(): this {
    return this.op(0x52);
  }
  i64LtU(): this {
    return this.op(0x54);
  }
  i64Add(): this {
    return this.op(0x7c);
  }
  i64Sub(): this {
    return this.op(0x7d);
  }
  i64Mul(): this {
    return this.op(0x7e);
  }
  i64And(): this {
    return this.op(0x83);
  }
  i64Or(): this {
    return this.op(0x84);
  }
  i64Xor(): this {
    return this.op(0x85);
  }
  i64Shl(): this {
    return this.op(0x86);
  }
  i64ShrU(): this {
    return this.op(0x88);
  }
  i32WrapI64(): this {
    return this.op(0xa7);
  }
  i64ExtendI32U(): this {
    return this.op(0xad);
  }

  /** The body in the binary format: its size, its locals (one entry each) and the instructions. */
  encode(): number[] {
    const body: number[] = [];
    uleb(this.locals.length, body);
    for (const t of this.locals) body.push(1, t);
    body.push(...this.bytes, 0x0b);
    const out: number[] = [];
    uleb(body.length, out);
    out.push(...body);
    return out;
  }
}

export interface WasmFunction {
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
  readonly code: Code;
  /** Exported under this name when given. */
  readonly export?: string;
}

/**
 * A module that imports its memory as `env.memory` (at least `minPages` pages of 64 KiB) and
 * defines `functions`, which call each other by their index in that list.
 */
export function assemble(functions: readonly WasmFunction[], minPages: number): Uint8Array {
  const section = (id: number, content: number[], out: number[]): void => {
    out.push(id);
    uleb(content.length, out);
    out.push(...content);
  };
  const out: number[] = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];

  const types: number[] = [];
  vec(
    functions.map((f) => [0x60, f.params.length, ...f.params, f.results.length, ...f.results]),
    types,
  );
  section(1, types, out);

  const imports: number[] = [1];
  name('env', imports);
  name('memory', imports);
  imports.push(0x02, 0x00);
  uleb(minPages, imports);
  section(2, imports, out);

  const declared: number[] = [];
  vec(
    functions.map((_, i) => {
      const b: number[] = [];
      uleb(i, b);
      return b;
    }),
    declared,
  );
  section(3, declared, out);

  const exported = functions.flatMap((f, i) => (f.export ? [{ name: f.export, index: i }] : []));
  const exports: number[] = [];
  vec(
    exported.map((e) => {
      const b: number[] = [];
      name(e.name, b);
      b.push(0x00);
      uleb(e.index, b);
      return b;
    }),
    exports,
  );
  section(7, exports, out);

  const code: number[] = [];
  vec(
    functions.map((f) => f.code.encode()),
    code,
  );
  section(10, code, out);
  return Uint8Array.from(out);
}
