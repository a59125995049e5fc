// Service worker of the field app: the page and its files come from the network when there is one
// (and are kept), from the cache when there is none. Nothing else is cached: API answers with
// personal data never are.
var CACHE = "slrt-field-v1";
var SHELL = ["/field/", "/static/css/slrt.css", "/static/js/field.js", "/static/js/page.js",
             "/static/vendor/htmx/htmx.min.js", "/field/manifest.webmanifest", "/static/icon.svg"];

self.addEventListener("install", function (e) {
  e.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); }).then(function () { return self.skipWaiting(); }));
});
self.addEventListener("activate", function (e) {
  e.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) { return k !== CACHE; }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});
self.addEventListener("fetch", function (e) {
  var url = new URL(e.request.url);
  if (e.request.method !== "GET" || url.origin !== location.origin || SHELL.indexOf(url.pathname) < 0) return;
  e.respondWith(fetch(e.request).then(function (r) {
    if (r.ok) { var copy = r.clone(); caches.open(CACHE).then(function (c) { c.put(url.pathname, copy); }); }
    return r;
  }).catch(function () { return caches.match(url.pathname); }));
});
