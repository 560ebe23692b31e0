// Testigo: check a published acta in the browser, trusting nothing but this script and the
// server key. The same checks, in the same order, as `PublishedCapture::check` in the protocol
// crate (protocol/src/publication.rs) and `testigo verify`:
//   1. the device key is the one the record names (its id is the first 16 bytes of its SHA-256);
//   2. the device's ECDSA P-256 signature verifies over the record's canonical bytes
//      (protocol/src/canonical.rs, layout testigo.capture.v1), rebuilt here from the data;
//   3. the numbers on the page are the numbers in those signed bytes;
//   4. each photo's bytes hash to the SHA-256 the device signed;
//   5. the server's receipt names this record (capture id and the SHA-256 of its canonical bytes)
//      and verifies with the server key; likewise each photo's receipt.
// Without JavaScript the page shows everything; this only adds the check, zoom on the photo
// and, on a static mirror, the look-up of a table by its code.
"use strict";

(function () {
  const enc = new TextEncoder();

  function Canon(domain) {
    this.parts = [];
    this.str(domain);
  }
  Canon.prototype.push = function (bytes) { this.parts.push(bytes); return this; };
  Canon.prototype.u8 = function (v) { return this.push(Uint8Array.of(v)); };
  Canon.prototype.u32 = function (v) {
    const b = new Uint8Array(4); new DataView(b.buffer).setUint32(0, v); return this.push(b);
  };
  Canon.prototype.u64 = function (v) {
    const b = new Uint8Array(8); new DataView(b.buffer).setBigUint64(0, BigInt(v)); return this.push(b);
  };
  Canon.prototype.i64 = function (v) {
    const b = new Uint8Array(8); new DataView(b.buffer).setBigInt64(0, BigInt(v)); return this.push(b);
  };
  Canon.prototype.bytes = function (b) { this.u32(b.length); return this.push(b); };
  Canon.prototype.str = function (s) { return this.bytes(enc.encode(s)); };
  Canon.prototype.opt = function (v, f) {
    if (v === undefined || v === null) return this.u8(0);
    this.u8(1); f(this, v); return this;
  };
  Canon.prototype.finish = function () {
    let n = 0; for (const p of this.parts) n += p.length;
    const out = new Uint8Array(n); let at = 0;
    for (const p of this.parts) { out.set(p, at); at += p.length; }
    return out;
  };

  function hex(bytes) { return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""); }
  function unhex(s) {
    if (!/^([0-9a-f]{2})*$/.test(s)) throw new Error("hex");
    const out = new Uint8Array(s.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
    return out;
  }
  function uuid(s) { return unhex(String(s).replace(/-/g, "").toLowerCase()); }
  function b64url(s) {
    const b = atob(String(s).replace(/-/g, "+").replace(/_/g, "/") + "===".slice((s.length + 3) % 4));
    return Uint8Array.from(b, (c) => c.charCodeAt(0));
  }
  // Map entries in ascending byte order of their keys, as the canonical layout wants.
  function sorted(map) {
    const keys = Object.keys(map || {}).map((k) => [k, enc.encode(k)]);
    keys.sort((a, b) => {
      const x = a[1], y = b[1];
      for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
      return x.length - y.length;
    });
    return keys.map((k) => [k[0], map[k[0]]]);
  }

  function recordBytes(r) {
    const c = new Canon("testigo.capture.v1");
    c.u32(r.format).bytes(uuid(r.id)).str(r.election_id).u64(r.package_version).str(r.contest_id).str(r.station_id);
    for (const map of [r.counts, r.extra_counts]) {
      const entries = sorted(map);
      c.u32(entries.length);
      for (const [k, v] of entries) c.str(k).u32(v);
    }
    c.u32(r.photos.length);
    for (const p of r.photos) {
      c.u32(p.page).bytes(unhex(p.sha256)).bytes(unhex(p.original_sha256)).u64(p.size).u32(p.width).u32(p.height);
    }
    c.opt(r.qr_payload, (c, v) => c.str(v));
    c.i64(r.device_time_ms);
    c.opt(r.supersedes, (c, v) => c.bytes(uuid(v)));
    c.str(r.notes || "");
    const warnings = r.warnings || [];
    c.u32(warnings.length);
    for (const w of warnings) { c.str(w.code); c.opt(w.field, (c, v) => c.str(v)); }
    c.str(r.device_key_id);
    return c.finish();
  }

  function receiptBytes(r) {
    const c = new Canon("testigo.receipt.v1");
    c.u32(r.format);
    const s = r.subject;
    if (s.kind === "record") c.u8(1).bytes(uuid(s.capture_id)).bytes(unhex(s.record_sha256));
    else c.u8(2).bytes(uuid(s.capture_id)).bytes(unhex(s.sha256)).u64(s.size);
    c.str(r.device_key_id).i64(r.received_at_ms).str(r.server_key_id);
    return c.finish();
  }

  // DER ECDSA signature to the raw r||s WebCrypto wants.
  function derToRaw(der) {
    let i = 0;
    const take = () => { if (i >= der.length) throw new Error("der"); return der[i++]; };
    if (take() !== 0x30) throw new Error("der");
    let len = take(); if (len & 0x80) { const n = len & 0x7f; len = 0; for (let k = 0; k < n; k++) len = len * 256 + take(); }
    const out = new Uint8Array(64);
    for (let part = 0; part < 2; part++) {
      if (take() !== 0x02) throw new Error("der");
      let n = take(); let v = der.slice(i, i + n); i += n;
      while (v.length > 32 && v[0] === 0) v = v.slice(1);
      if (v.length > 32) throw new Error("der");
      out.set(v, part * 32 + (32 - v.length));
    }
    return out;
  }

  async function sha256(bytes) { return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes)); }
  async function keyId(sec1) { return hex((await sha256(sec1)).slice(0, 16)); }
  async function verifySig(sec1, sigB64, message) {
    try {
      const key = await crypto.subtle.importKey("raw", sec1, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
      return await crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, derToRaw(b64url(sigB64)), message);
    } catch (e) { return false; }
  }
  function shownNumbers(article) {
    const shown = {};
    for (const td of article.querySelectorAll("td[data-field]")) {
      const digits = td.textContent.replace(/[^0-9]/g, "");
      shown[td.dataset.field] = digits === "" ? null : Number(digits);
    }
    return shown;
  }

  // Every check on one published capture: [name, ok] in order.
  async function check(article, pub, keys) {
    const results = [];
    const r = pub.signed.record;
    const deviceKey = b64url(pub.device_key);
    const bytes = recordBytes(r);
    const keyOk = (await keyId(deviceKey)) === r.device_key_id;
    results.push(["key", keyOk]);
    results.push(["signature", keyOk && (await verifySig(deviceKey, pub.signed.signature, bytes))]);
    const shown = shownNumbers(article);
    const signed = Object.assign({}, r.counts, r.extra_counts);
    let numbersOk = Object.keys(shown).length > 0;
    for (const [field, value] of Object.entries(shown)) if ((signed[field] ?? null) !== value) numbersOk = false;
    for (const field of Object.keys(signed)) if (!(field in shown)) numbersOk = false;
    results.push(["numbers", numbersOk]);
    for (let i = 0; i < r.photos.length && i < pub.photo_receipts.length; i++) {
      const p = r.photos[i];
      let ok = false;
      try {
        const res = await fetch("/photos/" + p.sha256 + ".jpg", { cache: "no-store" });
        ok = res.ok && hex(await sha256(new Uint8Array(await res.arrayBuffer()))) === p.sha256;
      } catch (e) { ok = false; }
      results.push(["photo", ok]);
    }
    const serverKey = b64url(keys.server_key);
    const serverOk = (await keyId(serverKey)) === keys.server_key_id;
    const rc = pub.receipt.receipt;
    const recordHash = hex(await sha256(bytes));
    const receiptOk = serverOk && rc.subject.kind === "record" && rc.subject.capture_id === r.id &&
      rc.subject.record_sha256 === recordHash && rc.device_key_id === r.device_key_id &&
      rc.server_key_id === keys.server_key_id && (await verifySig(serverKey, pub.receipt.signature, receiptBytes(rc)));
    results.push(["receipt", receiptOk]);
    for (let i = 0; i < pub.photo_receipts.length; i++) {
      const pr = pub.photo_receipts[i].receipt, p = r.photos[i];
      const ok = serverOk && !!p && pr.subject.kind === "photo" && pr.subject.capture_id === r.id &&
        pr.subject.sha256 === p.sha256 && pr.subject.size === p.size && pr.device_key_id === r.device_key_id &&
        pr.server_key_id === keys.server_key_id &&
        (await verifySig(serverKey, pub.photo_receipts[i].signature, receiptBytes(pr)));
      results.push(["photo-receipt", ok]);
    }
    return results;
  }

  function say(out, box, results) {
    out.textContent = "";
    const ul = document.createElement("ul");
    let all = true;
    for (const [name, ok] of results) {
      all = all && ok;
      const li = document.createElement("li");
      li.className = ok ? "ok" : "bad";
      li.dataset.check = name;
      li.textContent = (ok ? "✓ " : "✗ ") + (box.dataset["t" + name.replace("-", "")] || name);
      ul.appendChild(li);
    }
    const p = document.createElement("p");
    p.className = all ? "ok" : "bad";
    p.dataset.result = all ? "valid" : "invalid";
    p.textContent = all ? box.dataset.tvalid : box.dataset.tinvalid;
    out.appendChild(p);
    out.appendChild(ul);
  }

  async function run(button) {
    const article = button.closest("article.acta");
    const box = button.closest(".verify");
    const out = box.querySelector("output");
    if (!window.crypto || !crypto.subtle) { out.textContent = box.dataset.tinsecure; return; }
    button.disabled = true;
    out.textContent = box.dataset.tworking;
    try {
      const station = article.dataset.station, seq = Number(article.dataset.seq);
      const [table, keys] = await Promise.all([
        fetch("/data/tables/" + encodeURIComponent(station) + ".json", { cache: "no-store" }).then((r) => r.json()),
        fetch("/data/keys.json", { cache: "no-store" }).then((r) => r.json()),
      ]);
      const pub = table.captures.find((c) => c.published.seq === seq);
      if (!pub) throw new Error("missing");
      say(out, box, await check(article, pub, keys));
    } catch (e) {
      out.textContent = box.dataset.terror;
    } finally {
      button.disabled = false;
    }
  }

  // On a static mirror the search page cannot search: a table's code leads to its page.
  function staticSearch() {
    const form = document.querySelector("form[data-static-search]");
    const q = new URLSearchParams(location.search).get("q");
    if (form && q && q.trim()) {
      location.replace("/" + form.dataset.staticSearch + "/tables/" + encodeURIComponent(q.trim()) + "/");
    }
  }

  // The acta's photo: a click (or Enter) shows it at full size inside its frame, scrolled to
  // where it was clicked; again, back to fitting the page. Without JavaScript the link opens it.
  function zoom(link) {
    link.addEventListener("click", (e) => {
      if (e.ctrlKey || e.metaKey || e.shiftKey || e.altKey) return;
      e.preventDefault();
      const figure = link.closest("figure");
      const img = link.querySelector("img");
      const rect = img.getBoundingClientRect();
      const fx = rect.width ? (e.clientX - rect.left) / rect.width : 0.5;
      const fy = rect.height ? (e.clientY - rect.top) / rect.height : 0.5;
      const on = figure.classList.toggle("zoomed");
      link.setAttribute("aria-expanded", String(on));
      if (on) {
        link.scrollLeft = fx * img.naturalWidth - link.clientWidth / 2;
        link.scrollTop = fy * img.naturalHeight - link.clientHeight / 2;
      }
    });
    link.setAttribute("aria-expanded", "false");
    if (link.dataset.tzoom) link.title = link.dataset.tzoom;
  }

  function start() {
    staticSearch();
    for (const link of document.querySelectorAll(".photos a[data-zoom]")) zoom(link);
    for (const button of document.querySelectorAll("button[data-verify]")) {
      button.hidden = false;
      button.addEventListener("click", () => run(button));
    }
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
