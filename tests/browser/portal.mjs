// Drives the public portal in headless Chromium, as a citizen and a sceptical observer would:
// arrive in their language, look up a table by its code and a center by a place name, drill
// down from the national results to a table, press "verify" and see it valid; then the same
// check against a changed number, a swapped photo and a forged receipt (altered on the way by
// the browser's request interception), which must each fail by name. axe-core looks at every
// kind of page at phone and desktop widths; the pages must fit a 390 px screen and work without
// JavaScript. Prints one JSON line.
//
//   node portal.mjs <base url> <table id> <center name part> <screenshot dir>
//
// Needs Debian's chromium (CHROMIUM env var to use another binary).
import { mkdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { chromium } from 'playwright-core'

const [base, table, place, shots] = process.argv.slice(2)
if (!shots) {
  console.error('usage: node portal.mjs <base url> <table id> <center name part> <screenshot dir>')
  process.exit(2)
}
mkdirSync(shots, { recursive: true })
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')
const report = { ok: false, steps: [], axe: [], tamper: {}, overflow: [] }
const step = (s) => report.steps.push(s)

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
})
const timer = setTimeout(() => { console.log(JSON.stringify({ ...report, error: 'timed out' })); process.exit(1) }, 240_000)

/// The verify button's outcome on the current page: valid or not, and each check's result.
async function verifyOnPage (page) {
  await page.click('button[data-verify]')
  await page.waitForSelector('.verify output [data-result]', { timeout: 30_000 })
  return page.evaluate(() => {
    const out = document.querySelector('.verify output')
    return {
      result: out.querySelector('[data-result]').dataset.result,
      checks: [...out.querySelectorAll('li')].map((li) => [li.dataset.check, li.className === 'ok']),
    }
  })
}

/// axe-core on the page as it is (in a context that lets the test inject the script).
async function axe (page, name) {
  await page.evaluate(axeSource)
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ['violations'] })
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, help: v.help }))
  })
  report.axe.push({ page: name, url: page.url(), violations: result })
}

try {
  for (const [name, width] of [['phone', 390], ['desktop', 1280]]) {
    const context = await browser.newContext({
      viewport: { width, height: 860 }, locale: 'en-US', extraHTTPHeaders: { 'Accept-Language': 'en-US,en;q=0.9' },
    })
    const page = await context.newPage()
    page.setDefaultTimeout(20_000)
    const blocked = []
    page.on('console', (m) => { if (m.type() === 'error') blocked.push(m.text()) })
    page.on('response', (r) => { if (r.status() >= 400) blocked.push(`${r.status()} ${r.url()}`) })
    const fits = async (what) => {
      const w = await page.evaluate(() => document.scrollingElement.scrollWidth)
      if (w > width) report.overflow.push({ page: what, width: w, viewport: width })
    }

    // 1. Arrive: the address picks the visitor's language.
    await page.goto(`${base}/`)
    if (!page.url().endsWith('/en/')) throw new Error(`expected /en/, got ${page.url()}`)
    if (!(await page.textContent('h1')).includes('National results')) throw new Error('no national results heading')
    await page.screenshot({ path: `${shots}/${name}-national.png`, fullPage: true })
    await fits('national')
    step(`${name}: national`)

    // 2. Drill down: regions until a center, then a published table.
    let depth = 0
    while (!(await page.$('ul.tables')) && depth < 8) {
      const next = await page.$('section:last-of-type ul.places li:not([data-published="0"]) a')
      if (!next) throw new Error(`nowhere to drill down from ${page.url()}`)
      await next.click()
      await page.waitForLoadState('load')
      if (depth === 0) { await page.screenshot({ path: `${shots}/${name}-region.png`, fullPage: true }); await fits('region') }
      depth++
    }
    await page.screenshot({ path: `${shots}/${name}-center.png`, fullPage: true })
    await fits('center')
    const published = await page.$('ul.tables li:has(.badge.ok) a')
    if (!published) throw new Error('the center shows no published table')
    await published.click()
    await page.waitForSelector('article.acta')
    step(`${name}: drilled down to ${page.url()}`)

    // 3. Look-up by the table's code goes straight to its page; by a place name lists centers.
    await page.fill('#q', table)
    await page.press('#q', 'Enter')
    await page.waitForSelector('article.acta')
    if (!page.url().endsWith(`/en/tables/${encodeURIComponent(table)}/`)) throw new Error(`look-up by code went to ${page.url()}`)
    await page.screenshot({ path: `${shots}/${name}-table.png`, fullPage: true })
    await fits('table')
    step(`${name}: looked up ${table}`)
    // The authority's numbers stand beside the acta's, the one that differs marked.
    const officialMarked = await page.locator('table.numbers td.official.mismatch').count()
    if (officialMarked !== 1) throw new Error(`expected one official number marked as different, found ${officialMarked}`)
    // The national page leads to the contrast, which lists this table among the differences.
    await page.goto(`${base}/en/contrast/`)
    if (!(await page.locator(`ol.discrepancies a[href="/en/tables/${encodeURIComponent(table)}/"]`).count())) throw new Error('the contrast page does not list the differing table')
    await page.screenshot({ path: `${shots}/${name}-contrast.png`, fullPage: true })
    await fits('contrast')
    step(`${name}: the contrast lists ${table}`)
    await page.goto(`${base}/en/tables/${encodeURIComponent(table)}/`)
    await page.waitForSelector('article.acta')

    // 4. Verify: valid, every check passing.
    const valid = await verifyOnPage(page)
    if (valid.result !== 'valid' || valid.checks.some(([, ok]) => !ok)) throw new Error(`not valid: ${JSON.stringify(valid)}`)
    await page.screenshot({ path: `${shots}/${name}-verified.png`, fullPage: true })
    step(`${name}: verified ${valid.checks.length} checks`)

    // 4b. Zoom: a tap on the photo shows it at full size in its frame, scrollable; again, back.
    await page.click('.photos a[data-zoom] img')
    const zoomed = await page.evaluate(() => {
      const link = document.querySelector('.photos a[data-zoom]')
      const img = link.querySelector('img')
      return {
        on: link.closest('figure').classList.contains('zoomed'),
        expanded: link.getAttribute('aria-expanded'),
        full: img.getBoundingClientRect().width >= img.naturalWidth - 1,
        scrolls: link.scrollWidth > link.clientWidth,
        url: location.pathname,
      }
    })
    if (!zoomed.on || zoomed.expanded !== 'true' || !zoomed.full || !zoomed.scrolls || !zoomed.url.includes('/tables/')) {
      throw new Error(`zoom: ${JSON.stringify(zoomed)}`)
    }
    await page.screenshot({ path: `${shots}/${name}-zoomed.png` })
    await page.click('.photos a[data-zoom] img')
    if (await page.evaluate(() => document.querySelector('.photos figure').classList.contains('zoomed'))) {
      throw new Error('zoom: a second tap did not zoom out')
    }
    step(`${name}: zoomed the photo in and out`)

    // 5. Search by a place name.
    await page.fill('#q', place)
    await page.press('#q', 'Enter')
    await page.waitForSelector('ul.places li a[href*="/centers/"]')
    await page.screenshot({ path: `${shots}/${name}-search.png`, fullPage: true })
    await fits('search')
    step(`${name}: searched ${place}`)
    if (blocked.length) throw new Error(`console errors: ${blocked.join(' | ')}`)
    await context.close()

    // 6. axe-core on every kind of page.
    const axeContext = await browser.newContext({ viewport: { width, height: 860 }, bypassCSP: true })
    const axePage = await axeContext.newPage()
    for (const [what, path] of [['national', '/es/'], ['table', `/es/tables/${encodeURIComponent(table)}/`],
      ['search', `/fr/search/?q=${encodeURIComponent(place)}`], ['contrast', '/es/contrast/']]) {
      await axePage.goto(base + path)
      await axe(axePage, `${name}-${what}`)
    }
    await axePage.goto(`${base}/pt/`)
    const onward = 'section:last-of-type ul.places li:not([data-published="0"]) a'
    await axePage.click(onward)
    await axe(axePage, `${name}-region`)
    while (!(await axePage.$('ul.tables'))) {
      await axePage.click(onward)
      await axePage.waitForLoadState('load')
    }
    await axe(axePage, `${name}-center`)
    await axeContext.close()
  }

  // 7. Tampered on the way: each alteration fails the check it should, by name.
  const tamper = async (label, route) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 } })
    const page = await context.newPage()
    page.setDefaultTimeout(20_000)
    await route(page)
    await page.goto(`${base}/en/tables/${encodeURIComponent(table)}/`)
    const r = await verifyOnPage(page)
    report.tamper[label] = { result: r.result, failed: r.checks.filter(([, ok]) => !ok).map(([c]) => c) }
    await page.screenshot({ path: `${shots}/tampered-${label}.png`, fullPage: true })
    await context.close()
  }
  const alterData = (f) => async (page) => page.route('**/data/tables/*.json', async (route) => {
    const response = await route.fetch()
    const data = await response.json()
    const standing = data.captures.find((c) => c.published.seq === data.standing)
    f(standing)
    await route.fulfill({ response, json: data })
  })
  await tamper('changed-number', alterData((c) => {
    const counts = c.signed.record.counts
    const k = Object.keys(counts)[0]
    counts[k] = counts[k] + 1
  }))
  await tamper('swapped-photo', (page) => page.route('**/photos/*.jpg', async (route) => {
    const response = await route.fetch()
    const body = Buffer.from(await response.body())
    body[body.length - 3] ^= 0xff
    await route.fulfill({ response, body })
  }))
  await tamper('forged-receipt', alterData((c) => { c.receipt.receipt.received_at_ms += 1000 }))

  // 8. Without JavaScript: everything is there but the button.
  const plain = await browser.newContext({ viewport: { width: 390, height: 860 }, javaScriptEnabled: false })
  const plainPage = await plain.newPage()
  await plainPage.goto(`${base}/es/tables/${encodeURIComponent(table)}/`)
  const noJs = await plainPage.evaluate(() => ({
    numbers: document.querySelectorAll('td[data-field]').length,
    photo: !!document.querySelector('figure img'),
    button: !document.querySelector('button[data-verify]').hidden,
  }))
  report.no_js = noJs
  await plainPage.screenshot({ path: `${shots}/phone-table-nojs.png`, fullPage: true })
  await plain.close()

  report.ok = true
} catch (e) {
  report.error = String(e.stack || e)
} finally {
  clearTimeout(timer)
  await browser.close()
  console.log(JSON.stringify(report))
}
