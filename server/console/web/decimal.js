// Exact money arithmetic on the API's decimal strings (never floats).
function parse(s) {
  const neg = s.startsWith('-');
  const [i, f = ''] = (neg ? s.slice(1) : s).split('.');
  return { n: BigInt(i + f) * (neg ? -1n : 1n), scale: f.length };
}
function fmt(n, scale) {
  const neg = n < 0n;
  let s = (neg ? -n : n).toString().padStart(scale + 1, '0');
  if (scale) s = s.slice(0, -scale) + '.' + s.slice(-scale);
  return (neg ? '-' : '') + s;
}
function rescale(v, scale) { return v.n * 10n ** BigInt(scale - v.scale); }

// times multiplies a Money by a whole quantity.
export function times(m, q) {
  const v = parse(m.amount);
  return { amount: fmt(v.n * BigInt(q), v.scale), currencyCode: m.currencyCode };
}

// sum adds Money of one currency; null for none or mixed currencies.
export function sum(ms) {
  if (ms.length === 0 || ms.some((m) => m.currencyCode !== ms[0].currencyCode)) return null;
  const vs = ms.map((m) => parse(m.amount));
  const scale = Math.max(...vs.map((v) => v.scale));
  return { amount: fmt(vs.reduce((a, v) => a + rescale(v, scale), 0n), scale), currencyCode: ms[0].currencyCode };
}
