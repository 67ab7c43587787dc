/** How the Simulate view writes large counts and time estimates: 2.6×10⁵ atom-steps, "≈ 12 min". */

const SUPERSCRIPT: Record<string, string> = { '-': '⁻', '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹' };

/** 265000 → "2.65×10⁵"; below 10⁴ the plain number. */
export function formatScientific(n: number, digits = 3): string {
  if (!Number.isFinite(n)) return '—';
  if (Math.abs(n) < 1e4) return String(Math.round(n));
  let exponent = Math.floor(Math.log10(Math.abs(n)));
  let mantissa = Number((n / 10 ** exponent).toPrecision(digits));
  // toPrecision can round 9.999 up to 10.
  if (Math.abs(mantissa) >= 10) {
    mantissa = Number((mantissa / 10).toPrecision(digits));
    exponent += 1;
  }
  return `${mantissa === 1 ? '' : `${mantissa}×`}10${superscript(String(exponent))}`;
}

function superscript(text: string): string {
  return [...text].map((c) => SUPERSCRIPT[c] ?? c).join('');
}

/** A run-time estimate, as coarse as an estimate deserves: "< 1 s", "≈ 40 s", "≈ 12 min", "≈ 3.4 h", "≈ 2.1 days". */
export function formatEstimate(seconds: number): string {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 1) return '< 1 s';
  if (seconds < 60) return `≈ ${Math.round(seconds)} s`;
  if (seconds < 3600) return `≈ ${Math.round(seconds / 60)} min`;
  if (seconds < 86_400) return `≈ ${(seconds / 3600).toFixed(seconds < 36_000 ? 1 : 0)} h`;
  const days = seconds / 86_400;
  return `≈ ${days.toFixed(days < 10 ? 1 : 0)} days`;
}
