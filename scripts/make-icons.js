#!/usr/bin/env node
// Draws the extension icon (128x128) and the task icons (32x32) as PNGs: a rounded tile in the Azure ML blue
// with a white glyph per task. Run once after adding a task; the PNGs are committed.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { taskFolders } = require('./task-folders');

function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x / size, y / size);
      raw.set([r, g, b, a], y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([len, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', header),
    chunk('IDAT', zlib.deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const BLUE = [0, 120, 212, 255];
const WHITE = [255, 255, 255, 255];
const CLEAR = [0, 0, 0, 0];

function tile(glyph) {
  return (x, y) => {
    const dx = Math.max(0, Math.abs(x - 0.5) - 0.32);
    const dy = Math.max(0, Math.abs(y - 0.5) - 0.32);
    if (dx * dx + dy * dy > 0.15 * 0.15) return CLEAR;
    return glyph(x, y) ? WHITE : BLUE;
  };
}

const near = (a, b, w) => Math.abs(a - b) < w;
const GLYPHS = {
  // a heartbeat line: probe the endpoint
  SmokeTest: (x, y) =>
    near(y, x < 0.35 || x > 0.65 ? 0.55 : x < 0.45 ? 0.55 - (x - 0.35) * 3 : x < 0.55 ? 0.25 + (x - 0.45) * 5 : 0.75 - (x - 0.55) * 2, 0.06) &&
    x > 0.2 &&
    x < 0.8,
  // a 2 x 2 grid of boxes: models grouped into containers
  GroupManyModels: (x, y) => [0.33, 0.67].some((cx) => near(x, cx, 0.12)) && [0.33, 0.67].some((cy) => near(y, cy, 0.12)),
  // three stacked rows: records scored in batches
  DeployBatchEndpoint: (x, y) => [0.3, 0.5, 0.7].some((cy) => near(y, cy, 0.06)) && x > 0.25 && x < 0.75,
  // an upward arrow: a model promoted
  PromoteModel: (x, y) => (near(x, 0.5, 0.06) && y > 0.35 && y < 0.78) || (y > 0.22 && y < 0.45 && Math.abs(x - 0.5) < (y - 0.22) * 1.1),
  // three connected nodes: a pipeline
  extension: (x, y) =>
    [
      [0.3, 0.35],
      [0.7, 0.35],
      [0.5, 0.7],
    ].some(([cx, cy]) => (x - cx) ** 2 + (y - cy) ** 2 < 0.009) ||
    (near(y, 0.35, 0.025) && x > 0.3 && x < 0.7) ||
    (near(y - 0.35, (x - 0.3) * 1.75, 0.04) && x > 0.3 && x < 0.5) ||
    (near(y - 0.35, (0.7 - x) * 1.75, 0.04) && x > 0.5 && x < 0.7),
};

const root = path.resolve(__dirname, '..');
fs.mkdirSync(path.join(root, 'images'), { recursive: true });
fs.writeFileSync(path.join(root, 'images', 'extension-icon.png'), png(128, tile(GLYPHS.extension)));
for (const task of taskFolders('task.json')) {
  const glyph = GLYPHS[task] ?? GLYPHS.extension;
  fs.writeFileSync(path.join(root, 'tasks', task, 'icon.png'), png(32, tile(glyph)));
}
console.log('icons written');
