// Geometry of the three headline charts (rate, frequency, time): horizontal bars for the
// treatment and comparison groups with their 95 % intervals as whiskers. Computed here as plain
// numbers so the template only draws, and so the layout is testable without a browser.

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
  return { kind: 'bars', id: input.id, title: input.title, axis: input.axis, width, height, plot: { left, right, top, bottom }, ticks, bars };
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
