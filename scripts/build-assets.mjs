// Builds the front-end assets into daservice/static/build/ (served at /static/build/).
//
//   npm ci && npm run build
//
// The output folder is deleted and written afresh each time, so a build is
// the same from a clean checkout or over an old one. Any error, or a built
// stylesheet that refers to GOV.UK's typeface or crest, stops the build with
// a non-zero exit.

import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

import * as sass from 'sass'

import { iconIco, iconPng, iconSvg } from './icons.mjs'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const OUT = join(ROOT, 'daservice', 'static', 'build')
const ASSETS = join(ROOT, 'assets')
const GOVUK = join(ROOT, 'node_modules', 'govuk-frontend')

// The Python package govuk-frontend-jinja 4.1.0 renders markup for exactly
// this release; styles and scripts from any other may not match it.
const GOVUK_FRONTEND_VERSION = '6.3.0'

function fail (message) {
  console.error(`build-assets: ${message}`)
  process.exit(1)
}

function write (name, data) {
  const path = join(OUT, name)
  mkdirSync(dirname(path), { recursive: true })
  writeFileSync(path, data)
}

function copy (from, name) {
  const path = join(OUT, name)
  mkdirSync(dirname(path), { recursive: true })
  copyFileSync(from, path)
}

function checkGovukFrontendVersion () {
  const { version } = JSON.parse(readFileSync(join(GOVUK, 'package.json'), 'utf8'))
  if (version !== GOVUK_FRONTEND_VERSION) {
    fail(`govuk-frontend is ${version}, expected ${GOVUK_FRONTEND_VERSION}: run npm ci`)
  }
}

function buildCss () {
  const { css } = sass.compile(join(ASSETS, 'scss', 'app.scss'), {
    style: 'compressed',
    importers: [new sass.NodePackageImporter(ROOT)],
    quietDeps: true, // GOV.UK Frontend's own deprecation notices are not ours to fix
    sourceMap: false
  })
  // The typeface and the crest belong to GOV.UK: prove neither got in. (Class
  // names such as .govuk-footer__crown stay; our markup never uses them.)
  for (const pattern of [/@font-face/i, /GDS Transport/i, /fonts\//i]) {
    if (pattern.test(css)) fail(`app.css matches ${pattern}: GOV.UK's typeface leaked in`)
  }
  for (const [, url] of css.matchAll(/url\(\s*['"]?([^'")]*)/g)) {
    // The crest would arrive this way too: the build ships no image for CSS.
    if (!url.startsWith('data:')) fail(`app.css refers to ${url}, which the build does not ship`)
  }
  write('app.css', css + '\n')
}

function buildJs () {
  const dist = join(GOVUK, 'dist', 'govuk')
  copy(join(dist, 'govuk-frontend.min.js'), 'govuk-frontend.min.js')
  copy(join(dist, 'govuk-frontend.min.js.map'), 'govuk-frontend.min.js.map')
  for (const name of ['app.js', 'timeout-dialog.js', 'focus-fragment.js']) copy(join(ASSETS, 'js', name), name)
}

function buildIcons () {
  write('images/favicon.svg', iconSvg())
  write('images/favicon.ico', iconIco(48))
  for (const size of [180, 192, 512]) write(`images/icon-${size}.png`, iconPng(size))
  copy(join(ASSETS, 'manifest.json'), 'manifest.json')
}

try {
  checkGovukFrontendVersion()
  rmSync(OUT, { recursive: true, force: true })
  buildCss()
  buildJs()
  buildIcons()
} catch (error) {
  // Sass errors carry a readable excerpt of the source; anything else, its stack.
  fail(error instanceof sass.Exception ? error.message : error.stack)
}

for (const name of [
  'app.css', 'app.js', 'timeout-dialog.js', 'focus-fragment.js', 'govuk-frontend.min.js', 'govuk-frontend.min.js.map', 'manifest.json',
  'images/favicon.svg', 'images/favicon.ico',
  'images/icon-180.png', 'images/icon-192.png', 'images/icon-512.png'
]) {
  const path = join(OUT, name)
  console.log(`${relative(ROOT, path).padEnd(50)} ${statSync(path).size} bytes`)
}
