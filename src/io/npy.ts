/**
 * Why: `nlp embed --format npy -o FILE` streams float32 rows straight to disk
 * for NumPy (np.load) without holding the matrix: the header's row count is
 * unknown until the end, so a fixed-size header is reserved and rewritten last.
 * Hand-written because the format is a 10-line spec (NEP 1, version 1.0) and no
 * maintained npm writer streams.
 */
import { open, type FileHandle } from "node:fs/promises";
import { endianness } from "node:os";
import { InputError, UsageError } from "../errors.js";

/** Header bytes reserved: room for any shape, a multiple of 64 as NumPy aligns it. */
const HEADER_BYTES = 128;

/** The NPY v1.0 header for a C-order little-endian float32 matrix, padded with spaces to `total` bytes. */
export function npyHeader(rows: number, cols: number, total = HEADER_BYTES): Buffer {
  const dict = `{'descr': '<f4', 'fortran_order': False, 'shape': (${rows}, ${cols}), }`;
  const pad = total - 10 - dict.length - 1;
  if (pad < 0) throw new RangeError(`shape (${rows}, ${cols}) does not fit a ${total}-byte header`);
  const head = Buffer.alloc(10);
  head.write("\x93NUMPY", 0, "latin1");
  head[6] = 1; // major version
  head[7] = 0;
  head.writeUInt16LE(total - 10, 8);
  return Buffer.concat([head, Buffer.from(dict + " ".repeat(pad) + "\n", "latin1")]);
}

export interface NpyWriter {
  write(row: Float32Array): Promise<void>;
  /** rewrites the header with the final shape and closes the file; returns the shape */
  end(): Promise<[number, number]>;
}

export async function createNpyWriter(path: string): Promise<NpyWriter> {
  if (endianness() !== "LE") throw new InputError("--format npy is written little-endian only; this machine is big-endian");
  let fh: FileHandle;
  try {
    fh = await open(path, "w");
  } catch (err) {
    throw new UsageError(`cannot write -o ${path}: ${(err as Error).message}; check that its folder exists and is writable`);
  }
  await fh.write(npyHeader(0, 0));
  let rows = 0;
  let cols: number | undefined;
  // rows are gathered into ~1 MB writes: one syscall per row made a 100,000-row index slow
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const flush = async () => {
    if (pendingBytes === 0) return;
    await fh.write(Buffer.concat(pending, pendingBytes));
    pending = [];
    pendingBytes = 0;
  };
  return {
    async write(row) {
      if (cols === undefined) cols = row.length;
      else if (row.length !== cols) throw new InputError(`row ${rows + 1} has ${row.length} values but the matrix has ${cols}`);
      pending.push(Buffer.from(row.buffer, row.byteOffset, row.byteLength));
      pendingBytes += row.byteLength;
      rows++;
      if (pendingBytes >= 1 << 20) await flush();
    },
    async end() {
      await flush();
      await fh.write(npyHeader(rows, cols ?? 0), 0, HEADER_BYTES, 0);
      await fh.close();
      return [rows, cols ?? 0];
    },
  };
}

export interface NpyMatrix {
  rows: number;
  cols: number;
  /** byte offset of the first value */
  dataOffset: number;
}

/** Reads and checks the header of a float32 C-order 2-D .npy file (what createNpyWriter writes, or NumPy's np.save). */
export async function readNpyHeader(fh: FileHandle, path: string): Promise<NpyMatrix> {
  const bad = (why: string) => new InputError(`${path} is not a float32 [rows, dims] .npy matrix (${why}); rebuild it with nlp embed --index`);
  const head = Buffer.alloc(10);
  const { bytesRead } = await fh.read(head, 0, 10, 0);
  if (bytesRead < 10 || head.subarray(0, 6).toString("latin1") !== "\x93NUMPY") throw bad("no NumPy magic");
  if (head[6] !== 1) throw bad(`format version ${head[6]}.${head[7]}`);
  const len = head.readUInt16LE(8);
  const dictBuf = Buffer.alloc(len);
  await fh.read(dictBuf, 0, len, 10);
  const dict = dictBuf.toString("latin1");
  if (!/'descr':\s*'<f4'/.test(dict)) throw bad("not little-endian float32");
  if (!/'fortran_order':\s*False/.test(dict)) throw bad("Fortran order");
  const shape = dict.match(/'shape':\s*\((\d+),\s*(\d+)\)/);
  if (!shape) throw bad("not 2-D");
  const m = { rows: Number(shape[1]), cols: Number(shape[2]), dataOffset: 10 + len };
  const { size } = await fh.stat();
  if (size !== m.dataOffset + m.rows * m.cols * 4) throw bad(`${size} bytes where the header promises ${m.dataOffset + m.rows * m.cols * 4}; it was cut short`);
  return m;
}

/** The matrix's rows in chunks (bounded memory whatever its size). */
export async function* npyRows(path: string, chunkRows = 4096): AsyncGenerator<{ first: number; data: Float32Array; cols: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, "r");
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${(err as Error).message}`);
  }
  try {
    const m = await readNpyHeader(fh, path);
    for (let first = 0; first < m.rows; first += chunkRows) {
      const n = Math.min(chunkRows, m.rows - first);
      const buf = new Float32Array(n * m.cols);
      await fh.read(new Uint8Array(buf.buffer), 0, buf.byteLength, m.dataOffset + first * m.cols * 4);
      yield { first, data: buf, cols: m.cols };
    }
  } finally {
    await fh.close();
  }
}
