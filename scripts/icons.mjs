// The partnership's icon, drawn from one description into SVG, PNG and ICO.
//
// The icon is a plain document mark on the brand colour: neutral on purpose
// (a browser tab or bookmark should not announce "domestic abuse" to anyone
// looking over a shoulder), and not GOV.UK's crown, which only GOV.UK may use.
// Every shape is an axis-aligned rectangle on a 32-unit grid, so the PNGs can
// be rasterised here with node's zlib alone: no image tools, no binaries in
// the repository, and the same bytes on every build.

import { deflateSync } from 'node:zlib'

const GRID = 32
const BRAND = [0x1d, 0x70, 0xb8] // GOV.UK Frontend's brand blue
const WHITE = [0xff, 0xff, 0xff]

// [x, y, width, height, colour], painted in order. The mark stays inside the
// middle 60% so that it survives the circular crop of a maskable icon.
const SHAPES = [
  [0, 0, 32, 32, BRAND],
  [10, 7, 12, 18, WHITE],
  [13, 11, 6, 2, BRAND],
  [13, 15, 6, 2, BRAND],
  [13, 19, 4, 2, BRAND]
]

const hex = (rgb) => '#' + rgb.map((c) => c.toString(16).padStart(2, '0')).join('')

export function iconSvg () {
  const rects = SHAPES.map(
    ([x, y, w, h, rgb]) => `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="${hex(rgb)}"/>`
  )
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${GRID} ${GRID}">${rects.join('')}</svg>\n`
}

// Area coverage of each pixel by each rectangle gives anti-aliased edges
// when the grid does not divide the size evenly.
function rasterise (size) {
  const scale = size / GRID
  const rgb = new Float64Array(size * size * 3)
  for (const [x, y, w, h, colour] of SHAPES) {
    const x0 = x * scale
    const x1 = (x + w) * scale
    const y0 = y * scale
    const y1 = (y + h) * scale
    for (let py = Math.floor(y0); py < Math.min(size, Math.ceil(y1)); py++) {
      const cy = Math.min(py + 1, y1) - Math.max(py, y0)
      for (let px = Math.floor(x0); px < Math.min(size, Math.ceil(x1)); px++) {
        const cover = cy * (Math.min(px + 1, x1) - Math.max(px, x0))
        const i = (py * size + px) * 3
        for (let c = 0; c < 3; c++) rgb[i + c] = rgb[i + c] * (1 - cover) + colour[c] * cover
      }
    }
  }
  return rgb
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
  return c >>> 0
})

function crc32 (buf) {
  let c = 0xffffffff
  for (const byte of buf) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8)
  return (c ^ 0xffffffff) >>> 0
}

function chunk (type, data) {
  const length = Buffer.alloc(4)
  length.writeUInt32BE(data.length)
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
  const crc = Buffer.alloc(4)
  crc.writeUInt32BE(crc32(body))
  return Buffer.concat([length, body, crc])
}

export function iconPng (size) {
  const rgb = rasterise(size)
  const rows = Buffer.alloc(size * (1 + size * 3)) // each row: filter byte 0, then RGB
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size * 3; x++) {
      rows[y * (1 + size * 3) + 1 + x] = Math.round(rgb[y * size * 3 + x])
    }
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(size, 0)
  header.writeUInt32BE(size, 4)
  header.set([8, 2, 0, 0, 0], 8) // 8-bit depth, truecolour, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0))
  ])
}

// An ICO file holding one PNG image, which every current browser reads.
export function iconIco (size) {
  const png = iconPng(size)
  const header = Buffer.alloc(6 + 16)
  header.writeUInt16LE(1, 2) // type: icon
  header.writeUInt16LE(1, 4) // one image
  header.writeUInt8(size % 256, 6) // 0 means 256
  header.writeUInt8(size % 256, 7)
  header.writeUInt16LE(1, 10) // colour planes
  header.writeUInt16LE(32, 12) // bits per pixel
  header.writeUInt32LE(png.length, 14)
  header.writeUInt32LE(header.length, 18)
  return Buffer.concat([header, png])
}
