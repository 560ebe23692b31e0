// The verification desk in headless Chromium, as three volunteers would use it at once: two
// clerks transcribe the same acta from its photo with the keyboard alone (each in their own
// browser session), one of them misreading a row; a verifier sees the three sets side by side
// with the difference marked and decides. Then the pages are checked at a phone's width.
// Prints one JSON line.
//
//   node desk.mjs <base url> <password> <numbers json> <screenshot dir>
//
// Users "ana" and "ben" transcribe, "eva" verifies; <numbers json> is the watcher's numbers of
// the acta the desk hands out first, as [[field id, number], …] in printed order.
import { mkdirSync } from 'node:fs'
import { chromium } from 'playwright-core'

const [base, password, numbersJson, shots] = process.argv.slice(2)
if (!shots) {
  console.error('usage: node desk.mjs <base url> <password> <numbers json> <screenshot dir>')
  process.exit(2)
}
mkdirSync(shots, { recursive: true })
const pairs = JSON.parse(numbersJson)
const fields = pairs.map(([id]) => id)
const numbers = Object.fromEntries(pairs)
const steps = []
const errors = []
const report = { ok: false, steps }

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
})
const timer = setTimeout(() => { console.log(JSON.stringify({ ...report, error: 'timed out' })); process.exit(1) }, 120_000)

/** A signed-in session of its own (one browser context per person). */
async function session (user) {
  const context = await browser.newContext({
    viewport: { width: 1280, height: 900 }, locale: 'es-VE', extraHTTPHeaders: { 'Accept-Language': 'es-VE,es;q=0.9' },
  })
  const page = await context.newPage()
  page.setDefaultTimeout(15_000)
  page.on('pageerror', (e) => errors.push(`${user}: ${e}`))
  await page.goto(`${base}/dash/login`)
  await page.fill('input[name=name]', user)
  await page.fill('input[name=password]', password)
  await page.click('form.login button')
  await page.waitForURL(/\/dash\/regions\/\d+/)
  return page
}

/** Types one number per row with the keyboard alone: the first field has the focus, Tab moves on,
 *  Enter saves. Returns the milliseconds from the page's load to the next acta's page. */
async function transcribe (page, values) {
  await page.goto(`${base}/dash/transcribe`)
  const focused = await page.evaluate(() => document.activeElement?.id)
  if (focused !== `f-${fields[0]}`) throw new Error(`the first row does not have the focus (${focused})`)
  const started = Date.now()
  for (const [i, f] of fields.entries()) {
    await page.keyboard.type(String(values[f]))
    if (i < fields.length - 1) await page.keyboard.press('Tab')
  }
  await Promise.all([page.waitForURL(/\/dash\/transcribe\?done=/), page.keyboard.press('Enter')])
  return Date.now() - started
}

try {
  const [ana, ben, eva] = [await session('ana'), await session('ben'), await session('eva')]
  // Both clerks hold the same acta, in the two slots; neither sees the watcher's numbers.
  await ana.goto(`${base}/dash/transcribe`)
  await ben.goto(`${base}/dash/transcribe`)
  const actions = [await ana.getAttribute('#entry', 'action'), await ben.getAttribute('#entry', 'action')]
  if (actions[0] !== actions[1]) throw new Error(`the clerks were handed different actas: ${actions}`)
  const pk = actions[0].split('/').pop()
  const photo = ana.locator('.desk-photos img').first()
  await photo.waitFor()
  if (!(await photo.evaluate((el) => el.complete && el.naturalWidth > 0))) throw new Error('the photo did not load')
  // At the last row, the photo is still in view.
  await ana.locator('table.entry input').last().scrollIntoViewIfNeeded()
  const sticky = await ana.evaluate(() => document.querySelector('.desk-photos').getBoundingClientRect().top)
  if (sticky < -1) throw new Error('the photo scrolls away from the rows')
  await ana.evaluate(() => window.scrollTo(0, 0))
  await ana.screenshot({ path: `${shots}/desk-1-transcribe.png`, fullPage: false })
  // Zoom by keyboard: the photo's checkbox takes the focus and Space zooms.
  const before = await photo.evaluate((el) => el.getBoundingClientRect().width)
  await ana.focus('.desk-photos input[type=checkbox]')
  await ana.keyboard.press('Space')
  const after = await photo.evaluate((el) => el.getBoundingClientRect().width)
  if (!(after > before)) throw new Error('the photo does not zoom from the keyboard')
  await ana.keyboard.press('Space')
  steps.push({ step: 'handed out', pk, rows: fields.length, photo_top_at_last_row: sticky, zoom: [before, after] })

  const anaMs = await transcribe(ana, numbers)
  // Ben misreads the first row by ten.
  const misread = { ...numbers, [fields[0]]: numbers[fields[0]] + 10 }
  const benMs = await transcribe(ben, misread)
  const benSaid = await ben.textContent('#desk-saved')
  steps.push({ step: 'transcribed', ana_ms: anaMs, ben_ms: benMs, ben_saw: benSaid })

  // The verifier: the differing row marked, the others prefilled; types what the photo shows.
  await eva.goto(`${base}/dash/verify`)
  await eva.click(`a[href="/dash/verify/${pk}"]`)
  await eva.waitForURL(new RegExp(`/dash/verify/${pk}$`))
  const marked = await eva.locator('#compare tr.differs').count()
  const emptyInputs = await eva.locator('#compare input[value=""]').count()
  await eva.screenshot({ path: `${shots}/desk-2-verify.png`, fullPage: false })
  if (marked !== 1 || emptyInputs !== 1) throw new Error(`expected one marked row and one empty field, got ${marked} and ${emptyInputs}`)
  await eva.fill(`#f-${fields[0]}`, String(numbers[fields[0]]))
  await Promise.all([eva.waitForURL(/\/dash\/verify$/), eva.click('#decision button')])
  steps.push({ step: 'decided', marked })

  // A phone's width: the desk's pages fit (tables scroll in their frame).
  await eva.setViewportSize({ width: 390, height: 844 })
  for (const path of ['/dash/transcribe', '/dash/verify', `/dash/verify/${pk}`]) {
    await eva.goto(`${base}${path}`)
    const overflow = await eva.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    steps.push({ step: 'phone', path, overflow })
    if (overflow > 1) throw new Error(`${path} is wider than a phone screen by ${overflow}px`)
  }
  // Halfway down the rows, the photo is still on screen.
  await eva.goto(`${base}/dash/transcribe`)
  await eva.locator('table.entry input').nth(20).scrollIntoViewIfNeeded()
  const photoTop = await eva.evaluate(() => document.querySelector('.desk-photos').getBoundingClientRect().top)
  steps.push({ step: 'phone photo in view', top: photoTop })
  if (photoTop < -1) throw new Error('on a phone the photo scrolls away from the rows')
  await eva.screenshot({ path: `${shots}/desk-3-phone.png` })
  if (errors.length) throw new Error(`script errors: ${errors.join(' | ')}`)
  report.ok = true
  report.pk = Number(pk)
} catch (e) {
  report.error = String(e)
} finally {
  clearTimeout(timer)
  await browser.close()
}
console.log(JSON.stringify(report))
