// Geometry of the three headline charts (rate, frequency, time): horizontal bars for the
// treatment and comparison groups with their 95 % intervals as whiskers. Computed here as plain
// numbers so the template only draws, and so the layout is testable without a browser.
import { withThousands } from '../metrics/rounding.ts';

export interface ChartInput {
  id: string;
  title: string;
  /** Axis caption, e.g. "Proven reoffenders per 100 people". */
  axis: string;
  bars: { label: string; value: number; lower: number | null; upper: number | null; valueText: string; intervalText: string; group: 'treatment' | 'comparison' }[];
}

export interface ChartBar {
  label: string;
  group: 'treatment' | 'comparison';
  x: number;
  y: number;
  width: number;
  height: number;
  valueText: string;
  intervalText: string;
  textX: number;
  textY: number;
  whisker: { x1: number; x2: number; y: number; capTop: number; capBottom: number } | null;
}

export interface ChartGeometry {
  kind: 'bars';
  id: string;
  title: string;
  axis: string;
  width: number;
  height: number;
  plot: { left: number; right: number; top: number; bottom: number };
  ticks: { x: number; label: string }[];
  bars: ChartBar[];
  /** Text alternative with every value and interval. */
  alt: string;
}

/** The smallest 1, 2, 2.5 or 5 × 10^k at or above v (a round axis end). */
export function niceCeiling(v: number): number {
  if (!(v > 0)) return 1;
  const exp = Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) {
    const c = m * 10 ** exp;
    if (c >= v * (1 - 1e-12)) return Number(c.toPrecision(12));
  }
  return 10 ** (exp + 1);
}

function tickLabel(v: number): string {
  return Number(v.toPrecision(10)).toString();
}

export function barChart(input: ChartInput): ChartGeometry {
  const width = 680;
  const left = 160;
  const right = width - 200; // room for the value and interval text
  const top = 16;
  const barHeight = 34;
  const gap = 22;
  const bottom = top + input.bars.length * (barHeight + gap);
  const height = bottom + 42;
  const max = niceCeiling(Math.max(...input.bars.map((b) => Math.max(b.value, b.upper ?? 0))));
  const scale = (v: number) => left + ((right - left) * Math.min(Math.max(v, 0), max)) / max;
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({ x: scale(f * max), label: tickLabel(f * max) }));
  const bars = input.bars.map((b, i) => {
    const y = top + gap / 2 + i * (barHeight + gap);
    const whisker =
      b.lower !== null && b.upper !== null
        ? { x1: scale(b.lower), x2: scale(b.upper), y: y + barHeight / 2, capTop: y + barHeight / 2 - 8, capBottom: y + barHeight / 2 + 8 }
        : null;
    const barEnd = scale(b.value);
    return {
      label: b.label,
      group: b.group,
      x: left,
      y,
      width: Math.max(1, barEnd - left),
      height: barHeight,
      valueText: b.valueText,
      intervalText: b.intervalText,
      textX: right + 12,
      textY: y + barHeight / 2,
      whisker,
    };
  });
  const alt = `${input.title}: ${input.bars.map((b) => `${b.label} ${b.valueText}${b.intervalText ? ` (${b.intervalText})` : ''}`).join('; ')}.`;
  return { kind: 'bars', id: input.id, title: input.title, axis: input.axis, width, height, plot: { left, right, top, bottom }, ticks, bars, alt };
}

export interface IconChartInput {
  id: string;
  title: string;
  /** Per group: whole people out of 100 (the rate as shown in the tables) and its caption. */
  groups: { label: string; group: 'treatment' | 'comparison'; per100: number; valueText: string; intervalText: string }[];
}

export interface IconChartGeometry {
  kind: 'icons';
  id: string;
  title: string;
  width: number;
  height: number;
  /** The icon's symbol id (unique in the page) and its size. */
  symbol: string;
  icon: { width: number; height: number };
  /** Where the value and interval text start (right of the icons). */
  textX: number;
  groups: { label: string; group: 'treatment' | 'comparison'; valueText: string; intervalText: string; labelY: number; icons: { x: number; y: number; filled: boolean }[] }[];
}

/**
 * The rate as 100 people, as the JDL's own reports draw it: per group a block of 20 × 5 person
 * icons, the first `per100` of them (row by row) in the group's colour, the rest pale.
 */
export function iconChart(input: IconChartInput): IconChartGeometry {
  const columns = 20;
  const rows = 5;
  const icon = { width: 12, height: 22 };
  const gapX = 4;
  const gapY = 6;
  const left = 160;
  const blockHeight = rows * (icon.height + gapY);
  const groupGap = 26;
  const top = 10;
  const groups = input.groups.map((g, k) => {
    const y0 = top + k * (blockHeight + groupGap);
    const filled = Math.max(0, Math.min(100, Math.round(g.per100)));
    const icons = Array.from({ length: columns * rows }, (_, i) => ({
      x: left + (i % columns) * (icon.width + gapX),
      y: y0 + Math.floor(i / columns) * (icon.height + gapY),
      filled: i < filled,
    }));
    return { label: g.label, group: g.group, valueText: g.valueText, intervalText: g.intervalText, labelY: y0 + blockHeight / 2, icons };
  });
  const textX = left + columns * (icon.width + gapX) + 8;
  const width = textX + 200;
  const height = top + input.groups.length * (blockHeight + groupGap);
  return { kind: 'icons', id: input.id, title: input.title, width, height, symbol: `${input.id}-person`, icon, textX, groups };
}

// ---------------------------------------------------------------------------------------------
// The difference chart (the JDL's main device): for each measure the estimated difference
// (treatment minus comparison) as a dot and its 95% interval as a line, against a line at zero.
// One chart per unit, so percentage points, offences per person and days never share an axis.

export interface DifferenceRowInput {
  label: string;
  estimate: number;
  lower: number;
  upper: number;
  /** good/bad: significant and favourable/unfavourable; neutral: not significant or no good direction. */
  tone: 'good' | 'bad' | 'neutral';
  /** The values, shown beside the row ("-6 (-10 to -2)"). */
  short: string;
  /** The values in words, for the text alternative. */
  text: string;
}

export interface DifferenceChartGeometry {
  kind: 'difference';
  id: string;
  title: string;
  axis: string;
  width: number;
  height: number;
  plot: { left: number; right: number; top: number; bottom: number };
  zeroX: number;
  ticks: { x: number; label: string }[];
  rows: { label: string; text: string; short: string; tone: string; y: number; x: number; x1: number; x2: number }[];
  /** Text alternative: every row's values. */
  alt: string;
}

export function differenceChart(input: { id: string; title: string; axis: string; rows: DifferenceRowInput[] }): DifferenceChartGeometry {
  const width = 680;
  const left = 220;
  const right = width - 150;
  const top = 12;
  const rowHeight = 34;
  const bottom = top + input.rows.length * rowHeight;
  const height = bottom + 42;
  const lo = Math.min(0, ...input.rows.map((r) => r.lower));
  const hi = Math.max(0, ...input.rows.map((r) => r.upper));
  // Symmetric about zero so the eye reads "which side of zero" at once.
  const span = niceCeiling(Math.max(Math.abs(lo), Math.abs(hi)) || 1);
  const scale = (v: number) => left + ((right - left) * (Math.min(Math.max(v, -span), span) + span)) / (2 * span);
  const ticks = [-1, -0.5, 0, 0.5, 1].map((f) => ({ x: scale(f * span), label: tickLabel(f * span) }));
  const rows = input.rows.map((r, i) => ({
    label: r.label,
    text: r.text,
    short: r.short,
    tone: r.tone,
    y: top + i * rowHeight + rowHeight / 2,
    x: scale(r.estimate),
    x1: scale(r.lower),
    x2: scale(r.upper),
  }));
  const alt = `${input.title}. ${input.rows.map((r) => r.text).join('; ')}.`;
  return { kind: 'difference', id: input.id, title: input.title, axis: input.axis, width, height, plot: { left, right, top, bottom }, zeroX: scale(0), ticks, rows, alt };
}

// ---------------------------------------------------------------------------------------------
// The overlap plot of the propensity scores: per panel (before, after matching) the share of each
// group in each bin, the treatment group above the axis and the comparison group below it.

export interface OverlapChartGeometry {
  kind: 'overlap';
  id: string;
  title: string;
  width: number;
  height: number;
  panels: {
    title: string;
    x: number;
    baseY: number;
    width: number;
    half: number;
    bars: { x: number; width: number; treatedHeight: number; comparisonHeight: number }[];
    ticks: { x: number; label: string }[];
  }[];
  alt: string;
}

export function overlapChart(input: { id: string; title: string; edges: number[]; before: { treated: number[]; comparison: number[] }; after: { treated: number[]; comparison: number[] }; alt: string }): OverlapChartGeometry {
  const panelWidth = 300;
  const half = 70;
  const gap = 50;
  const width = 2 * panelWidth + gap + 40;
  const height = 2 * half + 70;
  const n = input.edges.length - 1;
  const max = Math.max(1e-9, ...input.before.treated, ...input.before.comparison, ...input.after.treated, ...input.after.comparison);
  const lo = input.edges[0]!;
  const hi = input.edges[n]!;
  const panel = (title: string, side: { treated: number[]; comparison: number[] }, x: number) => {
    const bw = panelWidth / n;
    const baseY = 24 + half;
    const tickValues = [lo, (lo + hi) / 2, hi];
    return {
      title,
      x,
      baseY,
      width: panelWidth,
      half,
      bars: side.treated.map((t, k) => ({ x: x + k * bw, width: Math.max(0.5, bw - 1), treatedHeight: (half * t) / max, comparisonHeight: (half * (side.comparison[k] ?? 0)) / max })),
      ticks: tickValues.map((v) => ({ x: x + ((v - lo) / (hi - lo)) * panelWidth, label: Number(v.toFixed(1)).toString() })),
    };
  };
  return {
    kind: 'overlap',
    id: input.id,
    title: input.title,
    width,
    height,
    panels: [panel('Before matching', input.before, 20), panel('After matching (comparison group weighted)', input.after, 20 + panelWidth + gap)],
    alt: input.alt,
  };
}

// ---------------------------------------------------------------------------------------------
// The histogram of match weights (the report's annex on linkage): per bin of weight, the entries
// whose person was found above the axis and those discarded below it. A hidden (suppressed) count
// draws no bar, only its mark, and the scale comes from the counts shown alone, so that neither
// a bar nor the axis can give a hidden count back. A merged bin is drawn at its average height
// per bin of the usual width.

export interface WeightHistogramGeometry {
  kind: 'weights';
  id: string;
  title: string;
  width: number;
  height: number;
  plot: { left: number; right: number; top: number; baseY: number; half: number };
  bars: { x: number; width: number; foundHeight: number; discardedHeight: number; foundHidden: boolean; discardedHidden: boolean; markX: number }[];
  ticks: { x: number; label: string }[];
  /** The dashed line where a candidate with no rival reaches the threshold; null when outside the axis or unknown. */
  threshold: { x: number } | null;
  /** The largest count shown, where the scale ends (empty when nothing is shown). */
  scaleLabel: string;
  alt: string;
}

export function weightHistogramChart(input: {
  id: string;
  title: string;
  binBits: number;
  thresholdBits: number | null;
  bins: { fromBits: number; toBits: number; found: number | null; discarded: number | null }[];
}): WeightHistogramGeometry {
  const width = 680;
  const left = 70;
  const right = width - 20;
  const top = 22;
  const half = 90;
  const baseY = top + half;
  const height = baseY + half + 52;
  const lo = input.bins.length ? input.bins[0]!.fromBits : 0;
  const hi = input.bins.length ? input.bins[input.bins.length - 1]!.toBits : 1;
  const span = Math.max(hi - lo, 1e-9);
  const xOf = (bits: number) => left + ((right - left) * (bits - lo)) / span;
  // Heights per bin of the usual width, so a merged bin is not drawn taller than its density.
  const density = (count: number | null, from: number, to: number) => (count === null ? 0 : (count * input.binBits) / (to - from));
  // The scale's top is the largest count shown (a merged bin's density is never above its count),
  // so the label beside the axis is a count the table prints too, never a small or hidden one.
  const max = Math.max(0, ...input.bins.flatMap((b) => [b.found ?? 0, b.discarded ?? 0]));
  const bars = input.bins.map((b) => {
    const x = xOf(b.fromBits);
    const w = Math.max(0.5, xOf(b.toBits) - x - 1);
    return {
      x,
      width: w,
      foundHeight: max > 0 ? (half * density(b.found, b.fromBits, b.toBits)) / max : 0,
      discardedHeight: max > 0 ? (half * density(b.discarded, b.fromBits, b.toBits)) / max : 0,
      foundHidden: b.found === null,
      discardedHidden: b.discarded === null,
      markX: x + w / 2,
    };
  });
  // Ticks every 2, 5, 10 or 20 bits: at most about 12 of them.
  const step = [2, 4, 5, 10, 20, 50].find((s) => span / s <= 12) ?? 100;
  const ticks: { x: number; label: string }[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) ticks.push({ x: xOf(v), label: tickLabel(v) });
  const t = input.thresholdBits;
  const threshold = t !== null && t >= lo && t <= hi ? { x: xOf(t) } : null;
  const alt = `${input.title}. Weights from ${tickLabel(lo)} to ${tickLabel(hi)} bits, in bins of ${tickLabel(input.binBits)} bits; the table below gives each bin's counts.`;
  return { kind: 'weights', id: input.id, title: input.title, width, height, plot: { left, right, top, baseY, half }, bars, ticks, threshold, scaleLabel: max > 0 ? withThousands(max) : '', alt };
}
