// Reading a checkpoint's tensors in the browser, for figures no circuit table carries (the TMS W columns, the CiS
// biases): GET /api/checkpoints/{id}/safetensors, the format's 8-byte little-endian header length, its JSON header
// (dtype, shape, data_offsets) and the raw little-endian data. The toy models are a few kilobytes.
export interface Tensor { shape: number[]; data: Float64Array }

const WIDTH: Record<string, number> = { F32: 4, F64: 8 };

export function parseSafetensors(buffer: ArrayBuffer): Map<string, Tensor> {
  const view = new DataView(buffer);
  const headerLength = Number(view.getBigUint64(0, true));
  if (8 + headerLength > buffer.byteLength) throw new Error('not a safetensors file (header longer than the file)');
  const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, headerLength)));
  const base = 8 + headerLength;
  const out = new Map<string, Tensor>();
  for (const [name, info] of Object.entries<{ dtype: string; shape: number[]; data_offsets: [number, number] }>(header)) {
    if (name === '__metadata__') continue;
    const width = WIDTH[info.dtype];
    if (!width) throw new Error(`tensor ${name}: dtype ${info.dtype} is not read here (F32 and F64 are)`);
    const [start, end] = info.data_offsets;
    const n = (end - start) / width;
    const data = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      data[i] = width === 4 ? view.getFloat32(base + start + 4 * i, true) : view.getFloat64(base + start + 8 * i, true);
    }
    out.set(name, { shape: info.shape, data });
  }
  return out;
}

export async function loadTensors(checkpointId: string): Promise<Map<string, Tensor>> {
  const response = await fetch(`/api/checkpoints/${checkpointId}/safetensors`);
  if (!response.ok) throw new Error(`the weights: HTTP ${response.status}`);
  return parseSafetensors(await response.arrayBuffer());
}

/** Element [i, j, k] of a rank-3 tensor (missing tensor: 0, as the models treat absent biases). */
export function at3(t: Tensor | undefined, i: number, j: number, k: number): number {
  if (!t) return 0;
  return t.data[(i * t.shape[1] + j) * t.shape[2] + k];
}

export function at2(t: Tensor | undefined, i: number, j: number): number {
  if (!t) return 0;
  return t.data[i * t.shape[1] + j];
}
