#!/usr/bin/env node
// Front-end build: `npm run build`
//
// Puts everything our Django pages need from NHS.UK frontend into
// static/dist/ (a build artefact, git-ignored by static/.gitignore):
//
//   static/dist/css/main.css                 static/scss/main.scss, compressed
//   static/dist/js/nhsuk-frontend.min.js     the package's ES module bundle (+ .map)
//   static/dist/assets/manifest.json         the package's assets folder:
//   static/dist/assets/images/...            favicons, app icons, SVG icons
//   static/dist/assets/fonts/...             only with FRUTIGER_FONTS_DIR (below)
//
// Fonts: nhsuk-frontend ships no font files (Frutiger is licensed; by default
// the package points @font-face at https://assets.nhs.uk/fonts/, the NHS's own
// font host, which is what we use by default). To serve them ourselves, set
//   FRUTIGER_FONTS_DIR=/path/to/dir npm run build
// where the folder holds FrutigerLTW01-55Roman.woff2/.woff and
// FrutigerLTW01-65Bold.woff2/.woff: they are copied to static/dist/assets/fonts/
// and main.css gets @font-face rules pointing at /static/dist/assets/fonts/.
//
// Needs no network: everything comes from node_modules.

import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

import * as sass from 'sass'

const started = performance.now()
const require = createRequire(import.meta.url)

const rootDir = join(dirname(fileURLToPath(import.meta.url)), '..')
const scssDir = join(rootDir, 'static', 'scss')
const distDir = join(rootDir, 'static', 'dist')
const nodeModulesDir = join(rootDir, 'node_modules')

const pkgJsonPath = require.resolve('nhsuk-frontend/package.json')
const nhsukVersion = JSON.parse(readFileSync(pkgJsonPath, 'utf8')).version
const nhsukDist = join(dirname(pkgJsonPath), 'dist', 'nhsuk')

const FONT_FILES = [
  'FrutigerLTW01-55Roman.woff2',
  'FrutigerLTW01-55Roman.woff',
  'FrutigerLTW01-65Bold.woff2',
  'FrutigerLTW01-65Bold.woff'
]

const rel = (path) => relative(rootDir, path)

function fail(message) {
  console.error(`build-frontend: ${message}`)
  process.exit(1)
}

function copy(from, to) {
  if (!existsSync(from)) fail(`missing in nhsuk-frontend ${nhsukVersion}: ${rel(from)}`)
  cpSync(from, to, { recursive: true })
}

// 1. Start from an empty static/dist/
rmSync(distDir, { recursive: true, force: true })
mkdirSync(join(distDir, 'css'), { recursive: true })
mkdirSync(join(distDir, 'js'), { recursive: true })

// 2. Assets: images, icons, favicon, manifest.json
copy(join(nhsukDist, 'assets'), join(distDir, 'assets'))

// 3. JavaScript: the minified ES module bundle and its source map. The
//    unversioned file's sourceMappingURL already names nhsuk-frontend.min.js.map.
copy(join(nhsukDist, 'nhsuk-frontend.min.js'), join(distDir, 'js', 'nhsuk-frontend.min.js'))
copy(join(nhsukDist, 'nhsuk-frontend.min.js.map'), join(distDir, 'js', 'nhsuk-frontend.min.js.map'))

// 4. Fonts (optional, licensed, not in the npm package)
const fontsDir = process.env.FRUTIGER_FONTS_DIR
const includeFrutiger = Boolean(fontsDir)
if (includeFrutiger) {
  const missing = FONT_FILES.filter((name) => !existsSync(join(fontsDir, name)))
  if (missing.length) fail(`FRUTIGER_FONTS_DIR=${fontsDir} lacks: ${missing.join(', ')}`)
  mkdirSync(join(distDir, 'assets', 'fonts'), { recursive: true })
  for (const name of FONT_FILES) {
    cpSync(join(fontsDir, name), join(distDir, 'assets', 'fonts', name))
  }
}

// 5. CSS. The entry is compiled "as if" it were a file in static/scss/, so
//    main.scss is loaded relative to it (its own warnings are never treated as
//    a dependency's) and nhsuk-frontend comes from the node_modules load path.
let warnings = 0
const result = sass.compileString(
  includeFrutiger
    ? `@use "main" with ($app-fonts-path: "/static/dist/assets/fonts/");\n`
    : `@use "main";\n`,
  {
    url: pathToFileURL(join(scssDir, '_build-entry.scss')),
    loadPaths: [nodeModulesDir],
    style: 'compressed',
    sourceMap: false,
    logger: {
      warn(message, { deprecation, deprecationType, span }) {
        warnings += 1
        const where = span?.url ? ` (${rel(fileURLToPath(span.url))}:${span.start.line + 1})` : ''
        const kind = deprecation ? `deprecation ${deprecationType?.id ?? ''}`.trim() : 'warning'
        console.warn(`sass ${kind}${where}: ${message}`)
      }
    }
  }
)
const cssPath = join(distDir, 'css', 'main.css')
writeFileSync(cssPath, result.css + '\n')

// 6. Check the outputs the page template needs
const expected = [
  'css/main.css',
  'js/nhsuk-frontend.min.js',
  'assets/manifest.json',
  'assets/images/favicon.ico',
  'assets/images/favicon.svg',
  'assets/images/nhsuk-icon-mask.svg',
  'assets/images/nhsuk-icon-180.png',
  ...(includeFrutiger ? FONT_FILES.map((name) => `assets/fonts/${name}`) : [])
]
const absent = expected.filter((path) => !existsSync(join(distDir, path)))
if (absent.length) fail(`not produced: ${absent.join(', ')}`)

const seconds = ((performance.now() - started) / 1000).toFixed(1)
console.log(
  `build-frontend: nhsuk-frontend ${nhsukVersion}, sass ${sass.info.split('\t')[1]}: ` +
    `${rel(distDir)}/ written in ${seconds}s ` +
    `(main.css ${Math.round(result.css.length / 1024)} KiB, ` +
    `NHS font from ${includeFrutiger ? 'our static folder' : 'assets.nhs.uk'}, ${warnings} sass warning(s))`
)
