/** WCAG 2 relative luminance of a #rrggbb colour, or null when it is not one. */
export function luminance(hex: string): number | null {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex.trim());
  if (!m) return null;
  const [r, g, b] = m.slice(1).map(x => {
    const c = parseInt(x, 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

/** The contrast ratio of two luminances (1 to 21). */
export function contrast(a: number, b: number): number {
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}

/** Text on an operator's colour: white or black, whichever contrasts with it more. */
export function onColor(hex: string): string {
  const l = luminance(hex);
  if (l === null) return "#fff";
  return contrast(1, l) >= contrast(0, l) ? "#fff" : "#000";
}
