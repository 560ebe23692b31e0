// The dashboard's one script; every page works without it.
//
// Live pages (<main data-live>) keep themselves current without reloading: on each server-sent
// event from /dash/events the page is fetched again and its <main> replaced, at most once every
// two seconds, and never while the coordinator is typing in one of its forms (the page is then
// refreshed when they leave the field).
//
// Photos zoom where they are clicked: the zoom itself is a checkbox (so it works without this
// script and from the keyboard); this scrolls the zoomed photo so the clicked point stays under
// the pointer.
(function () {
  'use strict'
  var lastClick = null
  document.addEventListener('click', function (e) {
    var img = e.target.closest && e.target.closest('.photo label img')
    if (!img) return
    var r = img.getBoundingClientRect()
    lastClick = { img: img, fx: (e.clientX - r.left) / r.width, fy: (e.clientY - r.top) / r.height, x: e.clientX - r.left, y: e.clientY - r.top }
  }, true)
  document.addEventListener('change', function (e) {
    var box = e.target
    if (!box.matches || !box.matches('.photo input[type=checkbox]') || !box.checked) return
    var frame = box.closest('.photo')
    var img = frame && frame.querySelector('img')
    if (!img || !lastClick || lastClick.img !== img) return
    var at = lastClick
    lastClick = null
    // After the zoomed layout: the clicked point of the full-size photo under the pointer.
    requestAnimationFrame(function () {
      frame.scrollLeft = at.fx * img.offsetWidth - at.x
      frame.scrollTop = at.fy * img.offsetHeight - at.y
    })
  })
})()

// Live pages. (The leading semicolon: two wrapped functions in a row need one between them.)
;(function () {
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
          main.setAttribute('data-seq', fresh.getAttribute('data-seq') || '0')
          main.setAttribute('data-refreshed', String(Date.now()))
        }
      })
      .catch(function () { pending = true })
      .then(function () { running = false; if (pending) setTimeout(flush, 2000) })
  }

  function flush () { if (pending) refresh() }

  main.addEventListener('focusout', function () { setTimeout(flush, 0) })
  // Each event names the tally pass it announces; the page says the last one it shows (the
  // stream's first event is the latest pass, which the page may already show).
  new EventSource('/dash/events').addEventListener('change', function (e) {
    if (Number(e.lastEventId) > Number(main.getAttribute('data-seq') || 0)) refresh()
  })
})()
