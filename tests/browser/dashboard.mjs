// Drives the coordinators' dashboard in headless Chromium, as a coordinator would: sign in,
// drill down from the whole election to a table, open an acta (photo beside the numbers), review
// it, look at the totals, the contrast with the official results, the printable report and the
// quick count; run the night (make an account and disable it, hand a table to another phone,
// revoke a phone, read the audit log) and check the pages fit a phone screen. Prints one JSON
// line.
//
//   node dashboard.mjs <base url> <user> <password> <screenshot dir>
//
// Needs Debian's chromium (CHROMIUM env var to use another binary).
import { mkdirSync } from 'node:fs'
import { chromium } from 'playwright-core'

const [base, user, password, shots] = process.argv.slice(2)
if (!shots) {
  console.error('usage: node dashboard.mjs <base url> <user> <password> <screenshot dir>')
  process.exit(2)
}
mkdirSync(shots, { recursive: true })
const steps = []
const report = { ok: false, steps }

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
})
const timer = setTimeout(() => { console.log(JSON.stringify({ ...report, error: 'timed out' })); process.exit(1) }, 120_000)
try {
  // The checks below read the Spanish pages: ask for them (the dashboard speaks the browser's
  // language, and headless Chromium asks for en-US).
  const page = await browser.newPage({
    viewport: { width: 1280, height: 900 }, locale: 'es-VE', extraHTTPHeaders: { 'Accept-Language': 'es-VE,es;q=0.9' },
  })
  page.setDefaultTimeout(15_000)
  // The server's Content-Security-Policy must not block anything the pages use.
  const blocked = []
  page.on('console', (m) => { if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) blocked.push(m.text()) })
  // Nor may the dashboard's script fail.
  page.on('pageerror', (e) => blocked.push(String(e)))

  // 1. Unsigned: sent to the login page; sign in.
  await page.goto(`${base}/dash`)
  if (!page.url().endsWith('/dash/login')) throw new Error(`expected the login page, got ${page.url()}`)
  await page.fill('input[name=name]', 'nobody')
  await page.fill('input[name=password]', 'wrong password')
  await page.click('form.login button')
  if (!(await page.textContent('.error'))?.includes('incorrectos')) throw new Error('a wrong password was not refused')
  await page.fill('input[name=name]', user)
  await page.fill('input[name=password]', password)
  await page.click('form.login button')
  await page.waitForURL(/\/dash\/regions\/\d+/)
  steps.push({ step: 'login', url: page.url(), title: await page.title() })
  await page.screenshot({ path: `${shots}/1-overview.png`, fullPage: true })

  // 2. Drill down: region → region … → center → table → acta.
  let depth = 0
  while (!(await page.locator('a[href^="/dash/centers/"]').count())) {
    const child = page.locator('table a[href^="/dash/regions/"]').first()
    if (!(await child.count())) throw new Error(`no way down from ${page.url()}`)
    await child.click()
    await page.waitForLoadState()
    steps.push({ step: 'region', url: page.url(), heading: await page.textContent('h1') })
    if (++depth > 8) throw new Error('the region tree is deeper than expected')
  }
  await page.screenshot({ path: `${shots}/2-region.png`, fullPage: true })
  await page.locator('a[href^="/dash/centers/"]').first().click()
  await page.waitForURL(/\/dash\/centers\//)
  steps.push({ step: 'center', url: page.url(), heading: await page.textContent('h1') })
  // A table that has an acta.
  await page.locator('a[href^="/dash/captures/"]').first().click()
  await page.waitForURL(/\/dash\/captures\/\d+/)
  const actaUrl = page.url()
  const img = page.locator('.photo img').first()
  await img.waitFor()
  const loaded = await img.evaluate((el) => el.complete && el.naturalWidth > 0)
  if (!loaded) throw new Error('the acta photo did not load')
  const rows = await page.locator('#numbers tbody tr').count()
  steps.push({ step: 'acta', url: actaUrl, number_rows: rows, photo_width: await img.evaluate((el) => el.naturalWidth) })
  await page.screenshot({ path: `${shots}/3-acta.png`, fullPage: true })
  // Zoom: a click on the photo shows it at full size, around the point clicked.
  const box = await img.boundingBox()
  const before = box.width
  await img.click({ position: { x: box.width * 0.7, y: box.height * 0.6 } })
  await page.waitForTimeout(100)
  const after = await img.evaluate((el) => el.getBoundingClientRect().width)
  const scrolled = await page.evaluate(() => { const f = document.querySelector('.photo'); return [f.scrollLeft, f.scrollTop] })
  steps.push({ step: 'zoom', before, after, scrolled })
  if (!(after > before)) throw new Error('the photo does not zoom')
  if (!(scrolled[0] > 0 && scrolled[1] > 0)) throw new Error('the zoom opens at the top-left, not where the photo was clicked')
  await img.click()
  // The acta's rows carry the printed row numbers.
  const firstRow = (await page.locator('#numbers tbody tr').first().locator('td').first().textContent()).trim()
  if (firstRow !== '1') throw new Error(`the first row is not numbered 1: ${firstRow}`)

  // 3. Review it.
  await page.check('input[name=status][value=disputed]')
  await page.fill('textarea[name=comment]', 'El total no coincide con la foto')
  await page.click('form.review button')
  await page.waitForURL(`${actaUrl}?saved=1`)
  if (!(await page.isVisible('#review-saved'))) throw new Error('the saved review is not confirmed')
  if (!(await page.locator('#review-saved a[href^="/dash/captures/"]').count())) throw new Error('no way to the next acta to review')
  const status = await page.getAttribute('#review-status', 'data-code')
  const audit = await page.textContent('#audit')
  steps.push({ step: 'review', status, audit })
  if (status !== 'disputed' || !audit.includes(user)) throw new Error('the review did not show')

  // 4. Totals.
  await page.click('nav a[href="/dash/tally"]')
  await page.waitForURL(/\/dash\/tally/)
  const candidates = await page.locator('#candidates tbody tr').count()
  steps.push({ step: 'tally', candidates, first: (await page.locator('#candidates tbody tr').first().textContent()).trim() })
  await page.screenshot({ path: `${shots}/4-tally.png`, fullPage: true })

  // 5. The contrast with the official results: a differing table opens its acta beside both sets
  // of numbers, the difference marked; the printable report; the quick count.
  await page.click('nav a[href="/dash/contrast"]')
  await page.waitForURL(/\/dash\/contrast/)
  const differing = await page.locator('#contrast tbody tr').count()
  if (differing < 1) throw new Error('the contrast lists no differing table')
  await page.screenshot({ path: `${shots}/5-contrast.png`, fullPage: true })
  await page.locator('#contrast a[href^="/dash/captures/"]').first().click()
  await page.waitForURL(/\/dash\/captures\/\d+/)
  const officialColumn = await page.locator('#numbers thead th').allTextContents()
  const marked = await page.locator('#numbers td.diff').count()
  steps.push({ step: 'contrast', differing, columns: officialColumn, marked })
  if (!officialColumn.includes('Oficial') || marked < 1) throw new Error('the acta does not show the official numbers beside ours')
  await page.goto(`${base}/dash/contrast/report`)
  if (!(await page.textContent('h1')).includes('Informe')) throw new Error('no printable report')
  const reportPhotos = await page.locator('img.report-photo').count()
  steps.push({ step: 'report', photos: reportPhotos })
  await page.click('nav a[href="/dash/quickcount"]')
  await page.waitForURL(/\/dash\/quickcount/)
  const estimates = await page.locator('#estimates tbody tr').count()
  steps.push({ step: 'quickcount', estimates })
  if (estimates < 2) throw new Error('the quick count shows no estimate')
  await page.screenshot({ path: `${shots}/6-quickcount.png`, fullPage: true })

  // 6. Late tables, with the devices that should report them; the search box in the header.
  await page.click('nav a[href="/dash/missing"]')
  await page.waitForURL(/\/dash\/missing/)
  const late = await page.locator('#missing tbody tr').count()
  steps.push({ step: 'missing', late, count: await page.textContent('#missing-count') })
  if (late < 1) throw new Error('no late table listed')
  await page.screenshot({ path: `${shots}/7-missing.png`, fullPage: true })
  const table = await page.locator('#missing tbody tr a[href^="/dash/stations/"]').first().textContent()
  await page.fill('nav input[name=q]', table)
  await Promise.all([page.waitForURL(/\/dash\/(stations|search)/), page.press('nav input[name=q]', 'Enter')])
  steps.push({ step: 'search', query: table, url: page.url() })
  if (!page.url().includes(`/dash/stations/${table}`)) throw new Error(`searching ${table} did not open its table`)

  // 7. Enrollment codes for a center, as a printable sheet of QR codes.
  const centerId = steps.find((x) => x.step === 'center').url.split('/dash/centers/')[1].split('?')[0]
  await page.click('nav a[href="/dash/enrollment"]')
  await page.waitForURL(/\/dash\/enrollment/)
  await page.fill('input[name=center]', decodeURIComponent(centerId))
  await Promise.all([page.waitForLoadState(), page.click('form.review button')])
  const qrs = await page.locator('svg.qr').count()
  steps.push({ step: 'enrollment', center: centerId, qr_codes: qrs })
  if (qrs < 1) throw new Error('no QR code on the enrollment sheet')
  await page.screenshot({ path: `${shots}/8-enrollment.png`, fullPage: true })
  await page.emulateMedia({ media: 'print' })
  const navShown = await page.locator('header').isVisible()
  await page.emulateMedia({ media: 'screen' })
  if (navShown) throw new Error('the printed sheet carries the navigation')

  // 8. Running the night from the browser: an account made, used and disabled; a table handed
  // to another phone; a phone revoked (the test then syncs that phone and sees it refused).
  await page.click('nav a[href="/dash/accounts"]')
  await page.waitForURL(/\/dash\/accounts/)
  await page.fill('#new-account input[name=name]', 'luis')
  await page.selectOption('#new-account select[name=role]', 'reviewer')
  await Promise.all([page.waitForLoadState(), page.click('#new-account button')])
  const luisPassword = (await page.textContent('#password code')).trim()
  if (luisPassword.length < 20) throw new Error(`no password shown for the new account: ${luisPassword}`)
  await page.screenshot({ path: `${shots}/9-accounts.png`, fullPage: true })
  const other = await browser.newContext({ locale: 'es-VE', extraHTTPHeaders: { 'Accept-Language': 'es-VE,es;q=0.9' } })
  const luis = await other.newPage()
  await luis.goto(`${base}/dash/login`)
  await luis.fill('input[name=name]', 'luis')
  await luis.fill('input[name=password]', luisPassword)
  await Promise.all([luis.waitForURL(/\/dash($|\/|\?)/), luis.click('form.login button')])
  if (luis.url().includes('/login')) throw new Error('the new account did not sign in')
  const luisRow = page.locator('#accounts tbody tr', { hasText: 'luis' })
  await luisRow.locator('summary').click()
  await Promise.all([page.waitForLoadState(), luisRow.locator('input[name=do][value=disable] + button').click()])
  const disabledRows = await page.locator('#accounts tbody tr.disabled').count()
  await luis.reload()
  const luisOut = luis.url().includes('/dash/login')
  steps.push({ step: 'accounts', disabled_rows: disabledRows, signed_out: luisOut })
  if (disabledRows !== 1 || !luisOut) throw new Error('disabling the account did not end its session')
  await other.close()

  // The phone whose acta was reviewed must still sync; the receiver must not have the table.
  await page.goto(actaUrl)
  const actaDevice = await page.evaluate(() =>
    [...document.querySelectorAll('td')].map((t) => t.textContent.trim()).find((t) => /^[0-9a-f]{32}$/.test(t)))
  const tablePath = `/dash/stations/${table}`
  await page.goto(`${base}${tablePath}`)
  const holders = await page.locator('#phones code[title]').evaluateAll((els) => els.map((e) => e.title))
  await page.goto(`${base}/dash/devices`)
  const deviceIds = (await page.locator('main table tbody code[title]').evaluateAll((els) => els.map((e) => e.title)))
    .filter((id) => id !== actaDevice)
  const receiver = deviceIds.find((id) => !holders.includes(id))
  const revoked = deviceIds.find((id) => id !== receiver)
  if (!receiver || !revoked) throw new Error(`not enough phones listed: ${deviceIds}`)
  await page.goto(`${base}${tablePath}`)
  await page.fill('#assign-phone input[name=device]', receiver.slice(0, 8))
  await Promise.all([page.waitForURL(new RegExp(tablePath)), page.click('#assign-phone button')])
  const listed = await page.locator(`#phones code[title="${receiver}"]`).count()
  steps.push({ step: 'assign', table, device: receiver, listed })
  if (listed !== 1) throw new Error('the table does not list the phone it was handed to')
  await page.screenshot({ path: `${shots}/10-table-phones.png`, fullPage: true })

  await page.goto(`${base}/dash/devices`)
  const row = page.locator('main table tbody tr', { has: page.locator(`code[title="${revoked}"]`) })
  await row.locator('summary').click()
  await row.locator('input[name=reason]').fill('Teléfono perdido')
  await Promise.all([page.waitForURL(/\/dash\/devices/), row.locator('button.danger').click()])
  const revokedTag = await page.locator('main table tbody tr', { has: page.locator(`code[title="${revoked}"]`) }).locator('span.tag.warn').count()
  steps.push({ step: 'revoke', device: revoked, tagged: revokedTag })
  if (revokedTag < 1) throw new Error('the revoked phone is not marked')
  report.revoked = revoked
  report.assigned = { table, device: receiver }

  await page.goto(`${base}/dash/audit`)
  const words = await page.textContent('#audit-log')
  steps.push({ step: 'audit', has_words: ['Cuenta creada', 'Cuenta desactivada', 'Mesa asignada a un teléfono', 'Teléfono revocado'].every((w) => words.includes(w)) })
  if (!steps.at(-1).has_words) throw new Error('the audit log does not say what was done')
  await page.screenshot({ path: `${shots}/11-audit.png`, fullPage: true })

  // What came without a data link: the SMS set aside and the bundle refused, in words.
  await page.goto(`${base}/dash/channels`)
  const channels = {
    step: 'channels',
    aside: await page.locator('#aside tbody tr').count(),
    bundles: await page.locator('#bundles tbody tr').count(),
    words: (await page.textContent('#aside')).includes('no es un mensaje de Testigo') &&
      (await page.textContent('#bundles')).includes('no es un paquete que este servidor lea'),
  }
  steps.push(channels)
  if (channels.aside !== 1 || channels.bundles !== 1 || !channels.words) throw new Error(`the SMS and bundles page: ${JSON.stringify(channels)}`)
  await page.screenshot({ path: `${shots}/12-channels.png`, fullPage: true })

  // 9. A phone screen: nothing wider than the screen but tables (which scroll in their frame).
  await page.setViewportSize({ width: 390, height: 844 })
  for (const path of ['/dash', actaUrl.replace(base, ''), '/dash/batches', '/dash/contrast', '/dash/contrast/report', '/dash/quickcount',
    '/dash/missing', '/dash/search?q=a', '/dash/devices', '/dash/accounts', '/dash/audit', '/dash/channels', `/dash/stations/${table}`]) {
    await page.goto(`${base}${path}`)
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
    steps.push({ step: 'phone', path, overflow })
    if (path === '/dash/channels') await page.screenshot({ path: `${shots}/12-phone-channels.png`, fullPage: true })
    if (overflow > 1) throw new Error(`${path} is wider than a phone screen by ${overflow}px`)
  }
  // A table's page on a phone: its captures' review states are on screen, not scrolled away.
  await page.goto(actaUrl)
  await page.goto(`${base}${await page.getAttribute('.crumbs a[href^="/dash/stations/"]', 'href')}`)
  const reviewRight = await page.evaluate(() => {
    const tag = document.querySelector('main table tbody td span.tag')
    return tag ? tag.getBoundingClientRect().right : 0
  })
  steps.push({ step: 'phone table', review_right: reviewRight })
  if (!(reviewRight > 0 && reviewRight <= 390)) throw new Error(`the review state is off a phone's screen (${reviewRight}px)`)
  // Tapping the acta's photo on a phone zooms it inside its frame, not the page.
  await page.goto(actaUrl)
  await page.locator('.photo img').first().click()
  const zoomedOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)
  steps.push({ step: 'phone zoom', overflow: zoomedOverflow })
  if (zoomedOverflow > 1) throw new Error(`a zoomed photo makes the page wider than the phone by ${zoomedOverflow}px`)
  await page.screenshot({ path: `${shots}/5-phone-batches.png`, fullPage: true })
  if (blocked.length) throw new Error(`blocked by the Content-Security-Policy, or a script error: ${blocked.join(' | ')}`)
  report.ok = true
  report.acta_url = actaUrl
} catch (e) {
  report.error = String(e)
} finally {
  clearTimeout(timer)
  await browser.close()
}
console.log(JSON.stringify(report))
process.exit(report.ok ? 0 : 1)
