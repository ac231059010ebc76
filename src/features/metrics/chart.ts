import { encode } from 'fast-png';

/**
 * A bar chart of a series as a PNG (pure JS: pixels drawn here, encoded by fast-png; no browser, no
 * fonts, no network). Numbers and dates go in the message text beside it.
 */
export function barChartPng(values: number[], width = 480, height = 200): Buffer {
  return stackedBarChartsPng([{ values }], width, height);
}

type Rgb = [number, number, number];

/** Bar charts stacked top to bottom in one PNG, each `height` pixels tall (e.g. growth, then the journey funnel). */
export function stackedBarChartsPng(
  panels: { values: number[]; rgb?: Rgb }[],
  width = 480,
  height = 200,
): Buffer {
  const channels = 3;
  const total = height * Math.max(1, panels.length);
  const data = new Uint8Array(width * total * channels).fill(255);
  panels.forEach((panel, i) => {
    drawBars(data, width, height, i * height, panel.values, panel.rgb);
  });
  return Buffer.from(encode({ width, height: total, data, channels, depth: 8 }));
}

function drawBars(
  data: Uint8Array,
  width: number,
  height: number,
  top: number,
  values: number[],
  barRgb: Rgb = [229, 115, 36],
): void {
  const channels = 3;
  const paint = (x0: number, y0: number, x1: number, y1: number, rgb: Rgb) => {
    for (let y = Math.max(0, y0) + top; y < Math.min(height, y1) + top; y += 1) {
      for (let x = Math.max(0, x0); x < Math.min(width, x1); x += 1) {
        data.set(rgb, (y * width + x) * channels);
      }
    }
  };
  const margin = 12;
  const plotHeight = height - 2 * margin;
  const max = Math.max(1, ...values);
  const slot = values.length > 0 ? (width - 2 * margin) / values.length : 0;
  for (let line = 0; line <= 4; line += 1) {
    const y = margin + Math.round((plotHeight * line) / 4);
    paint(margin, y, width - margin, y + 1, [225, 225, 225]);
  }
  values.forEach((value, index) => {
    const barHeight = Math.round((Math.max(0, value) / max) * plotHeight);
    const x0 = Math.round(margin + index * slot + slot * 0.15);
    const x1 = Math.round(margin + (index + 1) * slot - slot * 0.15);
    paint(x0, height - margin - barHeight, Math.max(x0 + 1, x1), height - margin, barRgb);
  });
  paint(margin, height - margin, width - margin, height - margin + 2, [90, 90, 90]);
}
