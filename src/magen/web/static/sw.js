/* The resident pages' service worker: /, /resident and /resident/silent open with no network.

   Served as /sw.js (scope "/", no-cache) with the assets' digest written in for VERSION, so a
   changed script or style is a changed worker: it installs, keeps its own cache, and deletes
   the caches of older versions when it takes over.

   - The resident pages: network first. An answer within TIMEOUT_MS is shown and kept (the
     page as last served); with no answer, or a server error, the kept page is shown instead,
     with its "Offline: this is the advice from HH:MM" line made visible: a kept page never
     passes for a current one. With nothing kept the network is waited for as without this.
   - Their scripts and style: the links carry the digest (?v=), so a kept copy is exact.
   - Leaflet, the town map script and the town's map: kept once the resident page used them.
   - Nothing else: POSTs (the page's outbox sends and resends reports), the advice
     (/api/v1/guidance: the page says itself when it is no longer confirmed), every other
     API and every staff page go to the network untouched and are never kept. */
"use strict";

var VERSION = "__MAGEN_ASSET_VERSION__";
var PREFIX = "magen-resident-";
var CACHE = PREFIX + VERSION;
var TIMEOUT_MS = 3500;
var MAX_PAGES = 8;  // kept page addresses (an address looked up is its own), newest kept
// Written by the page templates on a hidden line; shown on a kept copy.
var OFFLINE_MARK = "data-offline-copy hidden";
var OFFLINE_SHOWN = "data-offline-copy data-from-cache";
var SHELL = ["/static/magen.css?v=" + VERSION, "/static/common.js?v=" + VERSION, "/static/resident.js?v=" + VERSION];

// The page's kind: each kind's newest copy answers an address never kept itself.
function pageKind(path) {
  if (path === "/" || path === "/resident") return "resident";
  if (path === "/resident/silent") return "silent";
  return null;
}
function latestKey(kind) { return new URL("/offline-copy/" + kind, self.location.origin).href; }
function isPageKey(url) { return pageKind(new URL(url).pathname) !== null; }

function keptOnUse(url) {
  return url.pathname.indexOf("/vendor/leaflet/") === 0 ||
    url.pathname === "/static/townmap.js" || url.pathname === "/api/v1/town/map.geojson";
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (c) { return c.addAll(SHELL); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n.indexOf(PREFIX) === 0 && n !== CACHE; })
      .map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }).then(keepOpenPages));
});

// The page that registered this worker was loaded before it: fetch it again to keep it (an
// older version's copies went with their cache, their links naming assets no longer kept).
function keepOpenPages() {
  return self.clients.matchAll({ type: "window" }).then(function (list) {
    return Promise.all(list.map(function (client) {
      var url = new URL(client.url);
      if (url.origin !== self.location.origin || !pageKind(url.pathname)) return null;
      return fetch(url.href, { credentials: "same-origin" }).then(function (res) {
        return keepPage(url.href, res);
      }).catch(function () { /* offline now: kept at the next visit */ });
    }));
  });
}

function usable(res) {
  return res && res.ok && res.type === "basic" && !res.redirected &&
    (res.headers.get("content-type") || "").indexOf("text/html") === 0;
}

function keepPage(url, res) {
  if (!usable(res)) return Promise.resolve();
  var kind = pageKind(new URL(url).pathname);
  return caches.open(CACHE).then(function (c) {
    var copy = res.clone();
    return c.put(url, res).then(function () { return c.put(latestKey(kind), copy); })
      .then(function () { return c.keys(); })
      .then(function (keys) {
        // Oldest first (insertion order): drop addresses beyond the newest MAX_PAGES.
        var pages = keys.filter(function (k) { return isPageKey(k.url); });
        return Promise.all(pages.slice(0, Math.max(0, pages.length - MAX_PAGES))
          .map(function (k) { return c.delete(k); }));
      });
  });
}

function keptPage(url) {
  var kind = pageKind(new URL(url).pathname);
  return caches.open(CACHE).then(function (c) {
    return c.match(url, { ignoreVary: true }).then(function (hit) {
      return hit || c.match(latestKey(kind), { ignoreVary: true });
    });
  });
}

// A kept page, its offline line shown.
function offlineCopy(kept) {
  return kept.text().then(function (html) {
    return new Response(html.replace(OFFLINE_MARK, OFFLINE_SHOWN), {
      status: 200,
      headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store" }
    });
  });
}

function within(ms, promise) {
  return new Promise(function (ok, fail) {
    var timer = setTimeout(function () { fail(new Error("timeout")); }, ms);
    promise.then(function (v) { clearTimeout(timer); ok(v); }, function (e) { clearTimeout(timer); fail(e); });
  });
}

function page(event) {
  var req = event.request;
  var fromNetwork = fetch(req);
  // Kept whenever it comes, even after the kept copy was shown for want of it.
  event.waitUntil(fromNetwork.then(function (res) { return keepPage(req.url, res.clone()); })
    .catch(function () { /* offline */ }));
  return keptPage(req.url).then(function (kept) {
    if (!kept) return fromNetwork;  // nothing kept yet: as without a service worker
    return within(TIMEOUT_MS, fromNetwork).then(function (res) {
      return res.status >= 500 ? offlineCopy(kept) : res;
    }, function () { return offlineCopy(kept); });
  });
}

// Digest-named assets: the kept copy is the one asked for.
function asset(event, url) {
  return caches.open(CACHE).then(function (c) {
    return c.match(event.request, { ignoreVary: true }).then(function (hit) {
      if (hit) return hit;
      return fetch(event.request).then(function (res) {
        if (res.ok && keptOnUse(url)) {
          event.waitUntil(fromResidentPage(event).then(function (yes) {
            return yes ? c.put(event.request, res.clone()) : null;
          }));
        }
        return res;
      });
    });
  });
}

// The town's map: network first, the kept copy only without an answer in time.
function townMap(event) {
  var fromNetwork = fetch(event.request);
  return caches.open(CACHE).then(function (c) {
    event.waitUntil(fromNetwork.then(function (res) {
      if (!res.ok) return null;
      var copy = res.clone();
      return fromResidentPage(event).then(function (yes) { return yes ? c.put(event.request, copy) : null; });
    }).catch(function () { /* offline */ }));
    return c.match(event.request, { ignoreVary: true }).then(function (kept) {
      if (!kept) return fromNetwork;
      return within(TIMEOUT_MS, fromNetwork).then(function (res) {
        return res.ok ? res : kept;
      }, function () { return kept; });
    });
  });
}

// Whether a request comes from a resident page (staff pages' requests are never kept).
function fromResidentPage(event) {
  if (!event.clientId) return Promise.resolve(false);
  return self.clients.get(event.clientId).then(function (client) {
    return !!client && pageKind(new URL(client.url).pathname) !== null;
  });
}

self.addEventListener("fetch", function (event) {
  var req = event.request;
  if (req.method !== "GET") return;
  var url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === "navigate") {
    if (pageKind(url.pathname)) event.respondWith(page(event));
    return;
  }
  if (url.pathname === "/api/v1/town/map.geojson") { event.respondWith(townMap(event)); return; }
  if (url.pathname === "/static/magen.css" || url.pathname === "/static/resident.js" || keptOnUse(url)) {
    event.respondWith(asset(event, url));
  }
});
