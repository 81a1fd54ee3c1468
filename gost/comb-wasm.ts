/**
 * Comb-table scalar multiplication in WebAssembly (`curve-wasm.ts`) for curves over p = 2^256 − c:
 * the same algorithm as `CurveArithmetic.combMultiply` (one mixed addition per non-zero base-256
 * digit). Each curve's arithmetic has one instance with its own memory, holding the accumulator and
 * the packed comb tables; a multiplication writes the digits in, runs one call and reads the Jacobian
 * result back as BigInt. A table's memory goes back to a free list when it is released (the key cache
 * releases the tables of keys it drops) or, failing that, when its `PackedTable` is collected.
 */
import {
  ACC_X,
  ACC_Y,
  ACC_Z,
  CURVE_A,
  DIGITS1,
  DIGITS2,
  ENTRY,
  INF,
  IO,
  X_CANDIDATE,
  TABLE_PAGES,
  WINDOWS,
  WINDOW_SIZE,
  instantiateCurve,
  type CurveExports,
} from './curve-wasm.ts';

/** Jacobian coordinates as BigInt residues; Z = 0 is the point at infinity. */
export interface BigJacobian {
  X: bigint;
  Y: bigint;
  Z: bigint;
}

/**
 * A comb table in an instance's memory: 32 windows × 256 affine entries from `offset`. Once released
 * its memory may hold another key's table, so a released table refuses to be used.
 */
export interface PackedTable {
  readonly offset: number;
  released: boolean;
}

const IO64 = IO / 8;

export class WasmComb {
  readonly p: bigint;
  private readonly memory: WebAssembly.Memory;
  private readonly wasm: CurveExports;
  // Views of the memory, made again when it grows (see `views`).
  private u8!: Uint8Array;
  private u32!: Uint32Array;
  private u64!: BigUint64Array;
  /** Offsets of table slots whose tables were released or collected, for reuse. */
  private readonly free: number[] = [];
  private readonly registry = new FinalizationRegistry<number>((offset) => this.free.push(offset));

  constructor(c: number, a: bigint) {
    this.p = (1n << 256n) - BigInt(c);
    ({ memory: this.memory, exports: this.wasm } = instantiateCurve(c));
    this.views();
    this.write(CURVE_A, a);
  }

  /** Packs a comb table: affine coordinates (residues in [0, p)), entry i at xs[i], ys[i]. */
  pack(xs: readonly bigint[], ys: readonly bigint[]): PackedTable {
    if (xs.length !== WINDOWS * WINDOW_SIZE || ys.length !== xs.length) throw new RangeError('a comb table has 32 × 256 entries');
    const offset = this.allocate();
    for (let i = 0; i < xs.length; i++) {
      this.writeNumber(offset + i * ENTRY, xs[i]!);
      this.writeNumber(offset + i * ENTRY + 32, ys[i]!);
    }
    const table: PackedTable = { offset, released: false };
    this.registry.register(table, offset, table);
    return table;
  }

  /** Gives a table's memory back for the next table; the table cannot be used after this. */
  release(table: PackedTable): void {
    if (table.released) return;
    table.released = true;
    this.registry.unregister(table);
    this.free.push(table.offset);
  }

  /**
   * start + d1·table1 (+ d2·table2): `d1`, `d2` are the 32 base-256 digits of the scalars, least
   * significant first. `start` (infinity by default) is not changed; the sum is a new BigJacobian.
   */
  multiply(t1: PackedTable, d1: Uint8Array, t2?: PackedTable, d2?: Uint8Array, start?: BigJacobian): BigJacobian {
    this.run(t1, d1, t2, d2, start);
    if (this.u32[INF / 4] !== 0) return { X: 1n, Y: 1n, Z: 0n };
    return { X: this.read(ACC_X), Y: this.read(ACC_Y), Z: this.read(ACC_Z) };
  }

  /**
   * Whether d1·table1 + d2·table2 is not infinity and has one of `xs` (residues in [0, p)) as its
   * affine x coordinate: a verification's check, with nothing read back into BigInt.
   */
  multiplyXIn(t1: PackedTable, d1: Uint8Array, t2: PackedTable, d2: Uint8Array, xs: readonly bigint[]): boolean {
    this.run(t1, d1, t2, d2);
    if (this.u32[INF / 4] !== 0) return false;
    for (const x of xs) {
      this.write(X_CANDIDATE, x);
      if (this.wasm.xEquals(X_CANDIDATE) !== 0) return true;
    }
    return false;
  }

  private run(t1: PackedTable, d1: Uint8Array, t2?: PackedTable, d2?: Uint8Array, start?: BigJacobian): void {
    if (t1.released || t2?.released) throw new Error('comb table used after its release');
    if (!start || start.Z % this.p === 0n) {
      this.u32[INF / 4] = 1;
    } else {
      this.u32[INF / 4] = 0;
      this.write(ACC_X, start.X);
      this.write(ACC_Y, start.Y);
      this.write(ACC_Z, start.Z);
    }
    this.u8.set(d1, DIGITS1);
    if (t2 && d2) this.u8.set(d2, DIGITS2);
    this.wasm.comb(t1.offset, DIGITS1, t2 ? t2.offset : 0, DIGITS2);
  }

  /** Where a new table goes: a freed slot, or new pages at the end. */
  private allocate(): number {
    const reused = this.free.pop();
    if (reused !== undefined) return reused;
    // Tables go end to end after the first page, which holds the slots.
    const offset = this.memory.buffer.byteLength;
    this.memory.grow(TABLE_PAGES);
    this.views();
    return offset;
  }

  /** Growing the memory detaches the old views. */
  private views(): void {
    this.u8 = new Uint8Array(this.memory.buffer);
    this.u32 = new Uint32Array(this.memory.buffer);
    this.u64 = new BigUint64Array(this.memory.buffer);
  }

  /** Writes x mod p as a field element at `offset`. */
  private write(offset: number, x: bigint): void {
    this.writeNumber(IO, x);
    this.wasm.fromBytes(offset, IO);
  }

  /** Writes x mod p as 32 bytes little-endian at `offset` (a multiple of 8). */
  private writeNumber(offset: number, x: bigint): void {
    let v = x % this.p;
    if (v < 0n) v += this.p;
    const u64 = this.u64;
    const at = offset / 8;
    u64[at] = BigInt.asUintN(64, v);
    u64[at + 1] = BigInt.asUintN(64, v >> 64n);
    u64[at + 2] = BigInt.asUintN(64, v >> 128n);
    u64[at + 3] = v >> 192n;
  }

  /** The residue in [0, p) of the field element at `offset`. */
  private read(offset: number): bigint {
    this.wasm.toBytes(IO, offset);
    const u64 = this.u64;
    return (u64[IO64 + 3]! << 192n) | (u64[IO64 + 2]! << 128n) | (u64[IO64 + 1]! << 64n) | u64[IO64]!;
  }
}
