import { describe, expect, it } from "vitest";
import { contrast, luminance, onColor } from "./color";

describe("text on the operator's colours", () => {
  it("measures luminance as WCAG does", () => {
    expect(luminance("#ffffff")).toBeCloseTo(1, 5);
    expect(luminance("#000000")).toBe(0);
    expect(luminance("not a colour")).toBeNull();
    expect(contrast(1, 0)).toBe(21);
  });

  it("puts white on dark colours and black on light ones", () => {
    expect(onColor("#0b5394")).toBe("#fff");
    expect(onColor("#1f6feb")).toBe("#fff");
    expect(onColor("#ffe066")).toBe("#000");
    expect(onColor("#f0f0f0")).toBe("#000");
  });

  it("keeps at least 4.5:1 for whatever colour is chosen", () => {
    for (let v = 0; v < 256; v += 5) {
      const hex = `#${v.toString(16).padStart(2, "0").repeat(3)}`;
      const l = luminance(hex)!;
      const text = onColor(hex) === "#fff" ? 1 : 0;
      expect(contrast(text, l)).toBeGreaterThanOrEqual(4.5);
    }
  });
});
