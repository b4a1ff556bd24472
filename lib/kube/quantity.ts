// Kubernetes quantities (k8s.io/apimachinery resource.Quantity) as the Pod API writes limits: CPU in cores or
// millicores ("1.5", "500m"), memory in bytes with a decimal (k, M, G, T, P, E) or binary (Ki, Mi, Gi, Ti, Pi, Ei)
// suffix, or an exponent ("129e6"). docker's `64m` is 64 MiB; Kubernetes spells it `64Mi` (its `64m` would be
// 0.064 bytes). Pure.

const SUFFIX: Record<string, number> = {
  '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
  Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60,
};
const QUANTITY = /^([0-9]+(?:\.[0-9]+)?|\.[0-9]+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|k|M|G|T|P|E|m)|[eE]([0-9]+))?$/;

// A quantity's value as a number (millis for the m suffix: "500m" → 0.5), or a message.
export function parseQuantity(q: string | number): number | string {
  if (typeof q === 'number') return Number.isFinite(q) && q >= 0 ? q : `invalid quantity ${q}`;
  const m = QUANTITY.exec(q.trim());
  if (!m) return `"${q}" is not a Kubernetes quantity (like 500m, 1.5, 64Mi or 1G)`;
  const n = Number(m[1]);
  if (m[3] !== undefined) return n * 10 ** Number(m[3]);
  if (m[2] === 'm') return n / 1000;
  return n * SUFFIX[m[2] ?? '']!;
}

// Memory limit in whole bytes (a fraction of a byte rounds up, as Kubernetes does).
export function memoryBytes(q: string | number): number | string {
  const v = parseQuantity(q);
  if (typeof v === 'string') return v;
  if (v < 1) return `memory ${q} is less than one byte`;
  return Math.ceil(v);
}

// CPUs as a number of cores ("500m" → 0.5).
export function cpuCores(q: string | number): number | string {
  const v = parseQuantity(q);
  if (typeof v === 'string') return v;
  if (v <= 0) return `cpu ${q} must be more than 0`;
  return v;
}

// Bytes in the shortest exact binary form: 67108864 → "64Mi"; an odd number stays bytes.
export function formatMemory(bytes: number): string {
  for (const s of ['Ei', 'Pi', 'Ti', 'Gi', 'Mi', 'Ki']) {
    const u = SUFFIX[s]!;
    if (bytes >= u && bytes % u === 0) return `${bytes / u}${s}`;
  }
  return String(bytes);
}

// Cores as Kubernetes writes them: whole cores as a number, otherwise millicores (0.5 → "500m").
export function formatCpu(cores: number): string {
  if (Number.isInteger(cores)) return String(cores);
  return `${Math.round(cores * 1000)}m`;
}

// cpu requests → docker's CPU shares, as the kubelet converts them (1 core = 1024 shares, at least 2).
export function sharesOf(cores: number): number {
  return Math.max(2, Math.round(cores * 1024));
}

// CPU shares → the cpu request they stand for (1024 shares = 1 core).
export function coresOfShares(shares: number): number {
  return Math.round((shares / 1024) * 1000) / 1000;
}
