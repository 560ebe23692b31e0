// A dashboard page that keeps itself current: sign in, open the totals, say "ready" on a line
// of its own, then wait (without reloading) until the page shows what a phone sent meanwhile.
// Prints one JSON line at the end.
//
//   node live.mjs <base url> <user> <password>
import { chromium } from 'playwright-core'

const [base, user, password] = process.argv.slice(2)
if (!password) {
  console.error('usage: node live.mjs <base url> <user> <password>')
  process.exit(2)
}
const report = { ok: false }
const blocked = []
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-sync'],
})
const timer = setTimeout(() => { console.log(JSON.stringify({ ...report, error: 'timed out' })); process.exit(1) }, 90_000)
try {
  const page = await browser.newPage({ locale: 'en-GB', extraHTTPHeaders: { 'Accept-Language': 'en-GB,en;q=0.9' } })
  page.setDefaultTimeout(15_000)
  page.on('console', (m) => { if (m.type() === 'error') blocked.push(m.text()) })
  page.on('pageerror', (e) => blocked.push(String(e)))
  await page.goto(`${base}/dash/login`)
  await page.fill('input[name=name]', user)
  await page.fill('input[name=password]', password)
  await page.click('form.login button')
  await page.waitForURL(/\/dash\/regions\/\d+/)
  await page.goto(`${base}/dash/tally`)
  report.before = (await page.textContent('main')).replace(/\s+/g, ' ')
  report.as_of_before = await page.textContent('#as-of')
  // A marker that a reload would wipe out.
  await page.evaluate(() => { window.stillHere = true })
  console.log('ready')
  await page.waitForSelector('main[data-refreshed]', { timeout: 60_000 })
  report.after = (await page.textContent('main')).replace(/\s+/g, ' ')
  report.as_of_after = await page.textContent('#as-of')
  report.reloaded = !(await page.evaluate(() => window.stillHere === true))
  report.url = page.url()
  if (report.reloaded) throw new Error('the page was reloaded instead of updated')
  if (report.after === report.before) throw new Error('the page did not change')
  if (blocked.length) throw new Error(`console errors: ${blocked.join(' | ')}`)
  report.ok = true
} catch (e) {
  report.error = String(e)
  report.console = blocked
} finally {
  clearTimeout(timer)
  await browser.close()
}
console.log(JSON.stringify(report))
