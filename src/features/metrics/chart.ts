import { encode } from 'fast-png';

/**
 * A bar chart of a series as a PNG (pure JS: pixels drawn here, encoded by fast-png; no browser, no
 * fonts, no network). Numbers and dates go in the message text beside it.
 */
export function barChartPng(values: number[], width = 480, height = 200): Buffer {
  const channels = 3;
  const data = new Uint8Array(width * height * channels).fill(255);
  const paint = (x0: number, y0: number, x1: number, y1: number, rgb: [number, number, number]) => {
    for (let y = Math.max(0, y0); y < Math.min(height, y1); y += 1) {
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
    paint(x0, height - margin - barHeight, Math.max(x0 + 1, x1), height - margin, [229, 115, 36]);
  });
  paint(margin, height - margin, width - margin, height - margin + 2, [90, 90, 90]);
  return Buffer.from(encode({ width, height, data, channels, depth: 8 }));
}
