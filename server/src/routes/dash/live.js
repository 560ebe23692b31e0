// Keeps a dashboard page current without reloading it: on each server-sent event from
// /dash/events the page is fetched again and its <main> replaced, at most once every two
// seconds, and never while the coordinator is typing in one of its forms (the page is then
// refreshed when they leave the field). Pages work the same without this script.
(function () {
  'use strict'
  var main = document.querySelector('main[data-live]')
  if (!main || !window.EventSource || !window.fetch || !window.DOMParser) return
  var pending = false
  var running = false
  var last = 0

  function typing () {
    var el = document.activeElement
    return !!(el && main.contains(el) && /^(INPUT|TEXTAREA|SELECT)$/.test(el.tagName) && el.type !== 'submit')
  }

  function refresh () {
    if (running) { pending = true; return }
    var wait = last + 2000 - Date.now()
    if (wait > 0) { pending = true; setTimeout(flush, wait); return }
    if (typing()) { pending = true; return }
    running = true
    pending = false
    last = Date.now()
    fetch(window.location.href, { credentials: 'same-origin', headers: { Accept: 'text/html' } })
      .then(function (r) { return r.ok && !r.redirected ? r.text() : null })
      .then(function (html) {
        if (html === null || typing()) { pending = pending || html !== null; return }
        var fresh = new DOMParser().parseFromString(html, 'text/html').querySelector('main[data-live]')
        if (fresh) {
          main.innerHTML = fresh.innerHTML
          main.setAttribute('data-refreshed', String(Date.now()))
        }
      })
      .catch(function () { pending = true })
      .then(function () { running = false; if (pending) setTimeout(flush, 2000) })
  }

  function flush () { if (pending) refresh() }

  main.addEventListener('focusout', function () { setTimeout(flush, 0) })
  new EventSource('/dash/events').addEventListener('change', refresh)
})()
