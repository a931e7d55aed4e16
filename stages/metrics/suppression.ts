// Small-cell suppression for the treatment-group profile (methodology §9 recommendation: counts
// below 5 suppressed, with secondary suppression). A breakdown is published with its total, so
// one suppressed cell could be recovered by subtraction: further cells are suppressed, smallest
// first, until at least two are hidden and the hidden cells together hold at least the
// threshold, so no hidden cell can be pinned to a small number either.

export const SUPPRESSION_THRESHOLD = 5;
/** The marker shown in place of a suppressed value (as in MoJ's mojSuppression). */
export const SUPPRESSED = '~';

export interface Cell {
  category: string;
  count: number;
}

export interface SuppressedCell extends Cell {
  suppressed: boolean;
  /** 'primary' (small count), 'secondary' (protects another cell) or null. */
  reason: 'primary' | 'secondary' | null;
}

export function suppress(cells: readonly Cell[], threshold = SUPPRESSION_THRESHOLD): SuppressedCell[] {
  const out: SuppressedCell[] = cells.map((c) => {
    const primary = c.count > 0 && c.count < threshold;
    return { ...c, suppressed: primary, reason: primary ? 'primary' : null };
  });
  const hidden = () => out.filter((c) => c.suppressed);
  if (hidden().length === 0) return out;
  const hiddenTotal = () => hidden().reduce((s, c) => s + c.count, 0);
  while (hidden().length < 2 || hiddenTotal() < threshold) {
    // Smallest visible cell, ties broken by position, so the choice is deterministic. Zero
    // cells are skipped: hiding a known-empty category protects nothing.
    let pick = -1;
    for (let i = 0; i < out.length; i++) {
      const c = out[i]!;
      if (c.suppressed || c.count === 0) continue;
      if (pick < 0 || c.count < out[pick]!.count) pick = i;
    }
    if (pick < 0) {
      // Nothing non-empty left to hide: hide any remaining cell so the total cannot unlock one.
      const any = out.findIndex((c) => !c.suppressed);
      if (any < 0) break;
      out[any] = { ...out[any]!, suppressed: true, reason: 'secondary' };
      continue;
    }
    out[pick] = { ...out[pick]!, suppressed: true, reason: 'secondary' };
  }
  return out;
}
