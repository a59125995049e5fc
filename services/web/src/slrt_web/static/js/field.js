// The facilitator's field app: captures in IndexedDB, each with a complaint id made here at capture
// time, sent through the idempotent batch endpoint. A capture is "pending" until intake answers
// for it; "sent" (with its receipt number) or "refused" (with the reason) after that. Sending a
// capture twice is harmless: intake answers already_registered with the same receipt.
(function () {
  "use strict";
  var DB = "slrt-field", STORE = "captures";

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));  // http on a district LAN has no randomUUID
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  function open() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open(DB, 1);
      req.onupgradeneeded = function () { req.result.createObjectStore(STORE, { keyPath: "complaint_id" }); };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function tx(mode, work) {
    return open().then(function (db) {
      return new Promise(function (resolve, reject) {
        var t = db.transaction(STORE, mode), out = work(t.objectStore(STORE));
        t.oncomplete = function () { resolve(out && out.result !== undefined ? out.result : out); };
        t.onerror = function () { reject(t.error); };
      });
    });
  }
  var all = function () { return tx("readonly", function (s) { return s.getAll(); }); };
  var put = function (c) { return tx("readwrite", function (s) { s.put(c); }); };

  function csrf() {
    var h = document.body.getAttribute("hx-headers");
    try { return JSON.parse(h)["X-CSRF-Token"]; } catch (e) { return ""; }
  }

  function render() {
    return all().then(function (captures) {
      var list = document.getElementById("captures"), summary = document.getElementById("sync-summary");
      var n = { pending: 0, sent: 0, refused: 0 };
      list.textContent = "";
      captures.sort(function (a, b) { return a.captured_at < b.captured_at ? 1 : -1; });
      captures.forEach(function (c) {
        n[c.state] += 1;
        var li = document.createElement("li");
        li.className = "capture " + c.state;
        li.setAttribute("data-state", c.state);
        var text = summary.getAttribute("data-" + c.state) + " · " + new Date(c.captured_at).toLocaleString("id-ID") +
          " · " + (c.fields.description || "").slice(0, 60);
        if (c.receipt_number) text += " · " + list.getAttribute("data-receipt") + " " + c.receipt_number;
        if (c.error) text += " · " + c.error;
        li.textContent = text;
        list.appendChild(li);
      });
      summary.textContent = ["pending", "sent", "refused"].map(function (k) {
        return summary.getAttribute("data-" + k) + ": " + n[k];
      }).join(" · ");
      summary.setAttribute("data-counts", JSON.stringify(n));
      if (problem) summary.textContent += " · " + problem;  // e.g. the session ended: sign in again
    });
  }

  var syncing = false, problem = "";
  function sync() {
    if (syncing || !navigator.onLine) return Promise.resolve();
    syncing = true;
    return all().then(function (captures) {
      // Only what intake has not answered for. Were an answer lost on the way, the capture stays
      // pending and goes again: its id makes intake answer already_registered, not register twice.
      var batch = captures.filter(function (c) { return c.state === "pending"; });
      if (!batch.length) return;
      return fetch("/field/sync", {
        method: "POST", credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf(), "Accept": "application/json" },
        body: JSON.stringify({ captures: batch.map(function (c) { return { complaint_id: c.complaint_id, fields: c.fields }; }) })
      }).then(function (r) { return r.json().then(function (body) { return { ok: r.ok, status: r.status, body: body }; }); })
        .then(function (answer) {
          if (!answer.ok) { problem = answer.body.error || String(answer.status); return; }
          problem = "";
          var byId = {};
          batch.forEach(function (c) { byId[c.complaint_id] = c; });
          return Promise.all(answer.body.results.map(function (res) {
            var c = byId[res.complaint_id];
            if (!c) return null;
            if (res.result === "registered" || res.result === "already_registered") {
              c.state = "sent"; c.receipt_number = res.receipt_number; c.error = null;
            } else { c.state = "refused"; c.error = res.error || res.result; }
            return put(c);
          }));
        });
    }).catch(function () { problem = ""; /* no network after all: the captures stay pending, retried below */ })
      .then(function () { syncing = false; return render(); });
  }

  function network() {
    var net = document.getElementById("net");
    net.textContent = net.getAttribute(navigator.onLine ? "data-online" : "data-offline");
    net.className = "tag " + (navigator.onLine ? "s-resolved" : "s-overdue");
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("capture");
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var fields = {};
      new FormData(form).forEach(function (v, k) { if (String(v).trim()) fields[k] = String(v).trim(); });
      put({ complaint_id: uuid(), captured_at: new Date().toISOString(), state: "pending", fields: fields })
        .then(function () {
          var keep = form.elements.village.value;
          form.reset(); form.elements.village.value = keep;
          return render();
        }).then(sync);
    });
    document.getElementById("sync").addEventListener("click", sync);
    window.addEventListener("online", function () { network(); sync(); });
    window.addEventListener("offline", network);
    network();
    render();
    // The 'online' event can come before the line really carries data, and a bad line drops
    // requests: whatever is still pending is tried again every 15 seconds while the app is open.
    setInterval(sync, 15000);
    if ("serviceWorker" in navigator) navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" });
  });
  window.slrtField = { sync: sync, all: all };
})();
