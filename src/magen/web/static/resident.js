/* The resident page, improved when JavaScript runs: location from GPS, the map or an address
   list; guidance for that place; and reports that survive a lost network. Without this file
   every form still works as a plain HTML post.

   Offline: a report is kept in localStorage with its command id and sent when the network
   returns. The server keeps one report per command id, so however often a report is resent
   (a lost answer, two tabs) it counts once.

   The page itself is kept on the phone by the service worker (sw.js, registered in the
   page's head: templates/_resident_sw.html) and opened from there when the network does not
   answer: such a copy says so at the top, with the time its advice is from, and its forms
   get fresh command ids (the copy's were those of the page as served, perhaps used). */
(function () {
  "use strict";

  var OUTBOX = "magen.outbox";
  var RETRY_MS = 10000;
  var S = {};
  try { S = JSON.parse(document.getElementById("strings").textContent); } catch (e) { S = {}; }
  // The field pages' own words, embedded by the page itself (resident.html, silent.html).
  try {
    var F = JSON.parse(document.getElementById("field-strings").textContent);
    for (var fk in F) S[fk] = F[fk];
  } catch (e) { /* an older page: the keys are shown as they are */ }
  var LANG = document.documentElement.lang || "he";
  var VERSION = (document.currentScript && document.currentScript.src.split("?")[1]) || "";
  var silentPage = !!document.querySelector("form[data-silent]");
  // A copy kept by the service worker, shown for want of a network (sw.js marks it).
  var keptCopy = document.querySelector("[data-offline-copy][data-from-cache]");
  var keptAt = keptCopy ? keptCopy.getAttribute("data-page-time") : null;
  // The time the page was made, on the server's clock (HH:MM, the town's): what its advice
  // was true at until the server confirms it again. The phone's own clock is never shown: it
  // may differ from the server's (a demo's clock, a phone set wrong).
  var pageMark = document.querySelector("[data-offline-copy]");
  var pageAt = pageMark ? pageMark.getAttribute("data-page-time") : null;
  var nowBox = document.getElementById("now");
  // When the server made the page (ISO): the resident page says it on its advice box, the
  // silent page on its offline line. A kept copy's is old, never the server's "now".
  var pageAtSaid = (nowBox && nowBox.getAttribute("data-page-at")) || (pageMark && pageMark.getAttribute("data-page-at"));
  var pageAtMs = keptCopy || !pageAtSaid ? NaN : Date.parse(pageAtSaid);

  /* --- the server's clock ---------------------------------------------------------------- */

  // One reckoning of the server's clock with the staff pages: common.js's (Magen.serverNow),
  // learnt from the time the server made this page and from the times it states ("now" in
  // the town's alerts before a place is known, in the advice once one is), never from an
  // answer's Date header (whole seconds, and a cache or a proxy may pass an old one). The
  // offset is kept on the phone for a copy opened offline, whose own time is old and never
  // taught. A report is timed with it when pressed (observed_at), so a report kept offline
  // and sent later says when it was made, on the server's clock however wrong the phone's is.
  var CLOCK = "magen.clock";
  var M = window.Magen;  // common.js, loaded before this file
  if (M && M.keepClock) M.keepClock(CLOCK, isNaN(pageAtMs) ? null : new Date(pageAtMs).toISOString());
  function learnClock(iso) { if (M && M.learnClock) M.learnClock(iso); }
  // Without common.js (never on a page served with this file) the phone's own clock.
  function serverNow() { return M && M.serverNow ? M.serverNow() : Date.now(); }

  function say(key, values) {
    var s = S[key] || key;
    for (var k in values || {}) s = s.split("{" + k + "}").join(values[k]);
    return s;
  }

  function uuid() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return (x + 0x100).toString(16).slice(1); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }

  /* --- messages --------------------------------------------------------------------------- */

  function banner(cls, text, mark) {
    var main = document.querySelector("main");
    var old = main.querySelectorAll(".done[data-js], .error[data-js]");
    for (var i = 0; i < old.length; i++) old[i].remove();
    var p = document.createElement("p");
    p.className = cls;
    p.setAttribute("data-js", "");
    p.setAttribute(cls === "error" ? "data-error" : "data-done", "");
    p.setAttribute("role", cls === "error" ? "alert" : "status");
    if (mark) p.setAttribute(mark, "");
    p.textContent = text;
    var net = document.getElementById("net");
    net.parentNode.insertBefore(p, net.nextSibling);
    p.scrollIntoView({ block: "nearest" });
    return p;
  }

  // A report on its way (a weak link may take many seconds to answer): said until the answer
  // comes, so that a call still unanswered is never taken for one received.
  function sending() {
    if (!S.fd_cc_sending) return;
    var p = banner("done", say("fd_cc_sending"), "data-sending");
    p.removeAttribute("data-done");
  }

  /* --- the outbox ------------------------------------------------------------------------- */

  function outbox() {
    try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return []; }
  }
  function saveOutbox(items) { localStorage.setItem(OUTBOX, JSON.stringify(items)); }
  function enqueue(item) {
    var items = outbox();
    for (var i = 0; i < items.length; i++) if (items[i].id === item.id) return;  // already kept
    // A raise kept after an update or cancel that names it (pressed while the raise was on its
    // way, then the raise met a busy server): it goes first, or they would name a call the
    // server does not know yet.
    var at = items.length;
    for (var j = 0; j < items.length; j++) {
      if (bodyOf(items[j]).get("sos_of") === item.id) { at = j; break; }
    }
    items.splice(at, 0, item);
    saveOutbox(items);
  }
  // The raise `of` was answered with the call's id: the reports kept behind it name the call.
  function nameKept(of, id) {
    var items = outbox(), changed = false;
    items.forEach(function (it) {
      var b = bodyOf(it);
      if (b.get("sos_of") !== of) return;
      b.set("sos_of", "");
      b.set("sos_id", id);
      it.body = b.toString();
      changed = true;
    });
    if (changed) saveOutbox(items);
  }
  function drop(id) { saveOutbox(outbox().filter(function (x) { return x.id !== id; })); }

  function renderNet() {
    var net = document.getElementById("net");
    var n = outbox().length;
    var parts = [];
    if (!navigator.onLine) parts.push(say("offline"));
    if (n) parts.push(say("queued", { n: n }));
    net.textContent = parts.join(" ");
    net.hidden = parts.length === 0;
  }

  // A weak link can hold a request open for minutes with no error: past this it counts as
  // lost (the report is kept and sent again under the same id, so it still counts once).
  var NETWORK_TIMEOUT_MS = 15000;
  function deadline() {
    if (!window.AbortController) return undefined;
    var c = new AbortController();
    setTimeout(function () { c.abort(); }, NETWORK_TIMEOUT_MS);
    return c.signal;
  }

  function send(item) {
    return fetch(item.url, {
      method: "POST",
      credentials: "same-origin",
      signal: deadline(),
      headers: { "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json" },
      body: item.body
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) { return { status: r.status, ok: r.ok, json: j }; });
    });
  }

  // Worth another try later: the network, an overloaded or restarting server, a rate limit.
  function transient(status) { return status >= 500 || status === 429 || status === 408; }

  var flushing = false, flushAgain = false;
  // A raise sent straight to the server and not yet answered (its command id, and its answer
  // handled): reports kept meanwhile wait for it, as they wait for a kept raise.
  var raising = null, raisingId = "";
  function flushNow() {
    if (raising) return raising.then(flushNow);
    if (flushing) { flushAgain = true; return Promise.resolve(); }
    if (!outbox().length) return Promise.resolve();
    flushing = true;
    function next() {
      var items = outbox();
      if (!items.length) return Promise.resolve();
      var item = items[0];
      return send(item).then(function (res) {
        if (transient(res.status)) return;  // keep it; try again later
        drop(item.id);
        if (res.ok) {
          // An SOS from outside the town: recorded, but the caller must phone the police.
          if (res.json.outside_town) banner("error", say("sent_queued") + " " + (res.json.message || ""), "data-sos-outside");
          else banner("done", say("sent_queued") + " " + (res.json.message || ""));
          afterSent(item, res);
        } else {
          // Refused (an address the server could not find, a number out of range): the report
          // goes back into its form with what was typed, to be corrected and sent again.
          restore(item, res);
        }
        return next();
      }, function () { /* still offline */ });
    }
    var run = function () { return next(); };
    var p = navigator.locks ? navigator.locks.request(OUTBOX, run) : run();
    // A report kept while this ran, after it had looked at the outbox: sent now, in its turn.
    function after() {
      flushing = false;
      renderNet();
      if (flushAgain) { flushAgain = false; if (navigator.onLine) return flushNow(); }
    }
    return Promise.resolve(p).then(after, after);
  }

  /* --- forms ------------------------------------------------------------------------------ */

  function restore(item, res) {
    var reason = res.json.reason || String(res.status);
    var form = null;
    var all = document.querySelectorAll("form[data-queue]");
    for (var i = 0; i < all.length; i++) if (all[i].getAttribute("action") === item.url) { form = all[i]; break; }
    if (!form) { banner("error", say("error", { reason: reason })); return; }
    var boxes = form.querySelectorAll("input[type=checkbox]");
    for (var b = 0; b < boxes.length; b++) boxes[b].checked = false;
    new URLSearchParams(item.body).forEach(function (value, name) {
      if (name === "command_id" || name === "form") return;
      var el = form.elements.namedItem(name);
      if (!el) return;
      if (el.type === "checkbox") el.checked = true;
      else if (el.type !== "hidden" || name === "lat" || name === "lon" || name === "accuracy" || name === "place") el.value = value;
    });
    renew(form);
    showSuggestions(form, res.json.suggestions);
    banner("error", say("fd_saved_refused", { reason: reason }));
  }

  function renew(form) {
    var f = form.elements.command_id;
    if (f) f.value = uuid();
  }

  function showSafe() {
    var safe = document.querySelector("[data-safe-form]");
    var none = document.querySelector("[data-safe-none]");
    if (safe) safe.hidden = false;
    if (none) none.hidden = true;
  }

  /* --- this phone's open call for help ---------------------------------------------------- */

  // While this phone has an open SOS the SOS forms name it (sos_id; or sos_of, the command id
  // of a call still kept on the phone, offline, whose id the server has not given yet): the
  // server then changes that call and never raises a second one; "cancel" closes it.
  function isSos(item) { return item.url === "/resident/sos"; }
  function isCancelUrl(url) { return url === "/resident/sos/cancel"; }
  function bodyOf(item) { return new URLSearchParams(item.body); }
  function isRaise(item) {
    if (!isSos(item)) return false;
    var b = bodyOf(item);
    return !b.get("sos_id") && !b.get("sos_of");
  }
  function isClose(item) { return isCancelUrl(item.url) || item.url === "/resident/safe"; }

  function sosOpen(id, of) {
    var ids = document.querySelectorAll("[data-sos-id]");
    for (var i = 0; i < ids.length; i++) {
      if (id) ids[i].value = id;
      var ofField = ids[i].form && ids[i].form.querySelector("[data-sos-of]");
      if (ofField) ofField.value = id ? "" : of || ofField.value;
    }
    sosShown(true);
  }
  function sosClosed() {
    var f = document.querySelectorAll("[data-sos-id], [data-sos-of]");
    for (var i = 0; i < f.length; i++) f[i].value = "";
    sosShown(false);
    // The calls this closed are no longer "open" on the screen.
    var open = document.querySelectorAll("[data-sos-open]");
    for (var o = 0; o < open.length; o++) open[o].hidden = true;
  }
  function sosShown(open) {
    var notes = document.querySelectorAll("[data-sos-update-note], [data-sos-cancel]");
    for (var i = 0; i < notes.length; i++) notes[i].hidden = !open;
    var buttons = document.querySelectorAll("[data-sos-send]");
    for (var b = 0; b < buttons.length; b++) {
      var label = buttons[b].getAttribute(open ? "data-label-update" : "data-label-new");
      if (label) buttons[b].textContent = label;
    }
  }
  // An answer from the server to a report sent (now, or from the outbox).
  function afterSent(item, res) {
    if (isSos(item)) {
      if (res.json.id) { nameKept(item.id, res.json.id); sosOpen(res.json.id, ""); }
      showSafe();
    } else if (isClose(item)) {
      sosClosed();
    }
  }
  // A call kept on the phone (the outbox) and not yet sent: the forms name it by its command.
  function keptCall() {
    var items = outbox();
    var of = "";
    for (var i = 0; i < items.length; i++) {
      if (isRaise(items[i])) of = items[i].id;
      else if (isClose(items[i])) of = "";
    }
    var id = document.querySelector("[data-sos-id]");
    if (of && id && !id.value) sosOpen("", of);
  }

  function showSuggestions(form, list) {
    var ul = form.querySelector("[data-places]");
    if (!ul) return;
    ul.innerHTML = "";
    (list || []).forEach(function (p) {
      var li = document.createElement("li");
      var b = document.createElement("button");
      b.type = "button";
      b.textContent = p.shown || p.label;  // the page's words; the pick sends the label
      b.addEventListener("click", function () { pickPlace(form, p); ul.hidden = true; });
      li.appendChild(b);
      ul.appendChild(li);
    });
    ul.hidden = !(list && list.length);
  }

  // A report needs a place: with none chosen and no address typed, the phone's location is
  // asked first and the report sent with it (one tap, not three), also with no network.
  function placeless(form) {
    var block = form.querySelector("[data-where]");
    if (!block) return false;
    var lat = block.querySelector("[name=lat]"), addr = block.querySelector("[data-address]");
    var pick = form.querySelector("[name=pick]:checked, input[type=hidden][name=pick]");
    return !(lat && lat.value) && !(addr && addr.value.trim()) && !pick;
  }

  function submit(form, ev) {
    ev.preventDefault();
    if (placeless(form) && navigator.geolocation) {
      var waiting = form.querySelector("button[type=submit]");
      if (waiting) waiting.disabled = true;
      banner("done", say("fd_locating_then_send"));
      navigator.geolocation.getCurrentPosition(function (pos) {
        var c = pos.coords;
        setWhere(c.latitude, c.longitude, c.accuracy, "", say("location_gps", { m: Math.round(c.accuracy) }));
        if (waiting) waiting.disabled = false;
        send1(form);
      }, function () {
        if (waiting) waiting.disabled = false;
        banner("error", say("location_needed"));
        var addr = form.querySelector("[data-address]");
        if (addr) addr.focus();
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
      return;
    }
    send1(form);
  }

  function send1(form) {
    var places = form.querySelector("[data-places]");
    if (places) places.hidden = true;
    var data = new FormData(form);
    // A raise still on its way: what is pressed now names it by its command (the server
    // knows the call by it once the raise arrives), and waits for its answer.
    var action = form.getAttribute("action");
    if (raising && (action === "/resident/sos" || isCancelUrl(action)) && !data.get("sos_id")) {
      data.set("sos_of", raisingId);
    }
    // When it was pressed, on the server's clock: a report kept offline is timed by it.
    if (form.getAttribute("action") !== "/resident/safe" && !isCancelUrl(form.getAttribute("action"))) {
      data.set("observed_at", new Date(serverNow()).toISOString());
    }
    var body = new URLSearchParams(data).toString();
    var item = { id: form.elements.command_id.value, url: form.getAttribute("action"), body: body, at: Date.now() };
    var button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    function queued(behind) {
      enqueue(item);
      renew(form);
      // Kept only to go after a raise still on its way: the waiting count says so, not "offline".
      if (!behind) banner("done", say("saved_offline"));
      if (isRaise(item)) sosOpen("", item.id);
      else if (isClose(item)) sosClosed();
      if (isSos(item)) showSafe();
      renderNet();
    }
    // Reports still kept (a raise that timed out or met a busy server) or being sent: this one
    // goes after them, in order. Sent ahead, an update or cancel would reach a server that does
    // not know the call it names yet: a second call raised, or a cancel that closes nothing
    // before the kept raise opens the call again.
    // Pressed while a raise sent straight to the server is unanswered: kept (never lost, also
    // if the page is closed now) and sent after that answer, naming the call it opened.
    if (navigator.onLine && (outbox().length || flushing || raising)) {
      queued(!!raising && !outbox().length);
      flushNow().then(function () { if (button) button.disabled = false; });
      return;
    }
    var raise = navigator.onLine && isRaise(item);
    if (navigator.onLine) sending();
    var done = navigator.onLine ? send(item).then(function (res) {
      if (transient(res.status)) return queued();
      if (res.ok) {
        renew(form);
        if (res.json.outside_town) banner("error", res.json.message || "", "data-sos-outside");
        else banner("done", res.json.message || "", res.json.updated ? "data-sos-updated" : null);
        afterSent(item, res);
        if (item.url.indexOf("/safe") >= 0) form.hidden = true;
      } else {
        if (raise) unmarkRaise(item.id);
        banner("error", res.json.reason || say("error", { reason: res.status }));
        showSuggestions(form, res.json.suggestions);
      }
    }, function () { queued(); }) : Promise.resolve(queued());
    if (raise) {
      // From the moment it is pressed the call can be changed or cancelled (on a weak link
      // its answer may take many seconds): the forms name it by its command meanwhile.
      sosOpen("", item.id);
      showSafe();  // "I am safe" closes it too (not "you have no open call" beside a cancel)
      renew(form);  // the form sent again now is a change to this call, not this raise again
      raisingId = item.id;
      var settled = function () { raising = null; raisingId = ""; };
      raising = done.then(settled, settled);
    }
    done.then(function () { if (button) button.disabled = false; });
  }

  // A raise refused (a place the server could not find): no call was opened by it.
  function unmarkRaise(of) {
    var f = document.querySelectorAll("[data-sos-of]");
    for (var i = 0; i < f.length; i++) if (f[i].value === of) f[i].value = "";
    var id = document.querySelector("[data-sos-id]");
    if (!(id && id.value)) sosShown(false);
  }

  /* --- where am I ------------------------------------------------------------------------- */

  function setWhere(lat, lon, accuracy, label, shown) {
    var blocks = document.querySelectorAll("[data-where]");
    for (var i = 0; i < blocks.length; i++) {
      var b = blocks[i];
      b.querySelector("[name=lat]").value = lat.toFixed(6);
      b.querySelector("[name=lon]").value = lon.toFixed(6);
      b.querySelector("[name=accuracy]").value = accuracy == null ? "" : Math.round(accuracy);
      b.querySelector("[name=place]").value = label || "";
      var addr = b.querySelector("[data-address]");
      if (addr) addr.value = "";
      var pick = b.querySelector("input[type=hidden][name=pick]");
      if (pick) pick.remove();
      b.querySelector("[data-here]").textContent = shown;
    }
    nearAddress(lat, lon);
    guidance(lat, lon);
  }

  // The address nearest the point (the silent page): the caller checks that it is home.
  var nearAsked = null;
  function nearAddress(lat, lon) {
    var line = document.querySelector("[data-near]");
    if (!line) return;
    line.hidden = true;
    var at = nearAsked = lat.toFixed(5) + "," + lon.toFixed(5);
    // In the page's language (its street's name in it): the answer is kept per address.
    fetch("/resident/near?lat=" + lat.toFixed(6) + "&lon=" + lon.toFixed(6) + "&lang=" + LANG, { credentials: "same-origin", signal: deadline() })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (at !== nearAsked || !j || !j.label) return;
        line.textContent = say("fd_near_address", { place: "\u2068" + j.label + "\u2069" });
        line.hidden = false;
      }, function () { /* offline: the coordinates stand alone */ });
  }

  function pickPlace(form, p) {
    var block = form.querySelector("[data-where]") || form;
    var pick = block.querySelector("input[type=hidden][name=pick]");
    if (!pick) {
      pick = document.createElement("input");
      pick.type = "hidden";
      pick.name = "pick";
      block.appendChild(pick);
    }
    pick.value = p.lat.toFixed(6) + "," + p.lon.toFixed(6) + "," + p.label;
    var addr = block.querySelector("[data-address]");
    if (addr) addr.value = p.label;
    var here = block.querySelector("[data-here]");
    // Said in the page's words; the box keeps the label the address book searches.
    if (here) here.textContent = p.shown || p.label;
    guidance(p.lat, p.lon);
  }

  function locate(auto) {
    if (!navigator.geolocation) { if (!auto) banner("error", say("gps_failed")); return; }
    if (!auto) banner("done", say("gps_wait"));
    navigator.geolocation.getCurrentPosition(function (pos) {
      var c = pos.coords;
      setWhere(c.latitude, c.longitude, c.accuracy, "", say("location_gps", { m: Math.round(c.accuracy) }));
      if (!auto) banner("done", say("location_gps", { m: Math.round(c.accuracy) }));
    }, function () {
      if (!auto) banner("error", say("gps_failed"));
    }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 30000 });
  }

  /* --- the safe action here, kept current ------------------------------------------------ */

  // The advice changes with every siren and every threat: it is asked again every few
  // seconds while the page is open, and once it has not been confirmed for a while it is
  // marked stale with the time it was last right, never left to look current.
  var GUIDANCE_EVERY_MS = 15000;
  // While an alert or any advice other than routine is in force here it is asked for more
  // often (an unchanged answer is a small 304): a siren's lock-in nuance must not lag.
  var GUIDANCE_URGENT_EVERY_MS = 5000;
  var urgent = !!nowBox && !/\bact-(routine|unknown)\b/.test(nowBox.className);
  function guidanceEvery() { return urgent ? GUIDANCE_URGENT_EVERY_MS : GUIDANCE_EVERY_MS; }
  var GUIDANCE_STALE_MS = 45000;
  var here = null;  // [lat, lon] the advice is for
  // Time passing on this phone, to say how often to ask and how long ago an answer came:
  // never the wall clock, which a person or the network may move (moved back an hour, the
  // asking stopped for an hour and the advice was never called stale).
  function elapsed() { return window.performance && performance.now ? performance.now() : Date.now(); }
  // When the advice shown was last confirmed by the server (only to measure how long ago);
  // on a kept copy, long ago. What is said is the server's time for it (the answer's as_of;
  // the page's time until an answer comes).
  var confirmedAt = keptCopy ? -Infinity : elapsed();
  var confirmedLabel = pageAt;
  var asking = false;
  var askFailed = false;  // the last ask got no answer: the advice is not being confirmed

  // Hours and minutes on the town's clock (the page's town-tz), as the server words its times.
  var TOWN_TZ = (function () {
    var meta = document.querySelector('meta[name="town-tz"]');
    var tz = meta && meta.getAttribute("content");
    try { if (tz && window.Intl) new Intl.DateTimeFormat([], { timeZone: tz }); else tz = null; } catch (e) { tz = null; }
    return tz;
  })();
  var TOWN_HM = TOWN_TZ ? new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: TOWN_TZ }) : null;
  function clock(ms) {
    var d = new Date(ms);
    if (TOWN_HM) {
      var parts = TOWN_HM.formatToParts(d);
      var hm = {};
      parts.forEach(function (p) { hm[p.type] = p.value; });
      return hm.hour + ":" + hm.minute;
    }
    return ("0" + d.getHours()).slice(-2) + ":" + ("0" + d.getMinutes()).slice(-2);
  }

  function para(cls, text, attr) {
    var p = document.createElement("p");
    p.className = cls;
    if (attr) p.setAttribute(attr, "");
    p.textContent = text;
    return p;
  }

  function showGuidance(g) {
    var box = document.querySelector("[data-guidance]");
    var now = document.getElementById("now");
    now.className = "now act-" + g.action;
    box.innerHTML = "";
    // Every alert in force here a drill: said before the instruction, never taken for real.
    var alerts = g.alerts || [];
    if (alerts.length && alerts.every(function (x) { return x.drill; })) box.appendChild(para("drill", say("fd_drill"), "data-drill"));
    // A short action line first, large (when the server gives one), then the full advice in
    // normal weight; without one the advice itself is the action line.
    if (g.headline) {
      box.appendChild(para("headline", g.headline, "data-headline"));
      box.appendChild(para("action detail", g.text, "data-guidance-text"));
    } else {
      box.appendChild(para("action", g.text, "data-guidance-text"));
    }
    // When each alert in force here began (and, where the server allows it, until when).
    alerts.forEach(function (a) {
      var since = a.since ? Date.parse(a.since) : NaN;
      if (!isNaN(since)) {
        box.appendChild(para("meta", alerts.length > 1
          ? say("fd_alert_since_titled", { title: a.title, t: clock(since) })
          : say("fd_alert_since", { t: clock(since) }), "data-alert-since"));
      }
      var until = a.until ? Date.parse(a.until) : NaN;
      if (!isNaN(until)) box.appendChild(para("meta", say("fd_alert_until", { t: clock(until) }), "data-alert-until"));
    });
    // The shelter said once: not again below advice that already names it.
    if (g.shelter && (!g.shelter.name || (g.text || "").indexOf(g.shelter.name) < 0)) {
      // The town's names keep their own direction inside a Hebrew or Arabic sentence (FSI…PDI).
      var name = "\u2068" + g.shelter.name + (g.shelter.address ? " · " + g.shelter.address : "") + "\u2069";
      box.appendChild(para("", g.walking_seconds
        ? say("fd_shelter_walk", { name: name, m: Math.ceil(g.walking_seconds / 60) })
        : say("shelter_at", { name: name })));
    }
    box.appendChild(para("meta", say("issued_by", { who: g.issued_by_label })));
    box.appendChild(para("meta", say("as_of", { t: confirmedLabel || clock(serverNow()) }), "data-guidance-time"));
  }

  function checkStale() {
    var now = document.getElementById("now");
    var box = document.querySelector("[data-guidance]");
    if (!now || !box) return;
    // Known lost (the browser is offline, or the last ask got no answer) is stale at once: a
    // siren can change the advice within seconds. Otherwise after a while without an answer.
    // Before a place is given the town's alerts (and attackers in the town) are what the
    // page says, kept current by askTownAlerts: said stale by the same measure, never left
    // to look current (nor, with none in force, as "all clear") when the network is lost.
    var town = !here && now.hasAttribute("data-town-marks");
    if (!here && !town) return;
    var stale = town
      ? !navigator.onLine || townFailed || elapsed() - townConfirmedAt > GUIDANCE_STALE_MS
      : !navigator.onLine || askFailed || elapsed() - confirmedAt > GUIDANCE_STALE_MS;
    var said = town ? townLabel : confirmedLabel;
    var line = box.querySelector("[data-guidance-stale]");
    now.classList.toggle("stale", stale);
    if (stale && !line) {
      line = para("stale-line", "", "data-guidance-stale");
      line.setAttribute("role", "alert");
      box.insertBefore(line, box.firstChild);
    }
    if (stale) line.textContent = say("guidance_stale", { t: said || clock(isNaN(pageAtMs) ? serverNow() : pageAtMs) });
    else if (line) line.remove();
  }

  var askedAt = -Infinity;  // never: asked at the first tick

  function askGuidance() {
    if (!here || asking) return;
    asking = true;
    askedAt = elapsed();
    var at = here;
    // "no-cache": the browser asks again with the ETag it holds (never an answer it kept, nor
    // one a cache kept past a few seconds). The answer states the server's "now" in a header
    // (Magen-Now), which a 304 brings fresh: an unchanged advice costs no body.
    var now = null;
    fetch("/api/v1/guidance?lat=" + at[0] + "&lon=" + at[1] + "&lang=" + LANG, { credentials: "same-origin", cache: "no-cache", signal: deadline() })
      .then(function (r) {
        now = r.headers.get("Magen-Now");
        if (r.ok) return r.json();
        return r.status >= 400 && r.status < 500 ? {} : null;  // no advice for this place
      })
      .then(function (g) {
        asking = false;
        if (at !== here) return;  // the place changed meanwhile
        if (!g) { askFailed = true; checkStale(); return; }  // no answer (server trouble)
        // The server's "now", stated: with a place set this is the page's one source of the
        // server's clock, so a phone clock moved after the page loaded is noticed here.
        learnClock(now);
        askFailed = false;
        confirmedAt = elapsed();
        // The server's time for this advice (its log's), never the phone's clock.
        // Never earlier than the page itself (made on the server's clock): an advice unchanged
        // since 11:55 was still so when the page was made at 12:00.
        var asOf = g.as_of ? Date.parse(g.as_of) : NaN;
        if (!isNaN(pageAtMs) && !(asOf >= pageAtMs)) asOf = pageAtMs;
        confirmedLabel = clock(isNaN(asOf) ? serverNow() : asOf);
        urgent = !!g.action && (g.action !== "routine" || !!(g.alerts && g.alerts.length));
        if (g.action) showGuidance(g); else noGuidance();
        checkStale();
      }, function () { asking = false; askFailed = true; checkStale(); });
  }

  function noGuidance() {
    var box = document.querySelector("[data-guidance]");
    document.getElementById("now").className = "now act-unknown";
    box.innerHTML = "";
    box.appendChild(para("", say("now_unavailable")));
  }

  function guidance(lat, lon) {
    if (!document.querySelector("[data-guidance]")) return;
    here = [lat, lon];
    askGuidance();
  }

  /* --- the alerts in the town, before a place is known ---------------------------------- */

  // With no place given the page shows the alerts in force in the town (the server words
  // them, zones by name). They are asked for every few seconds (GET /api/v1/alerts, small);
  // only when they changed is the page asked again for its words.
  var TOWN_ALERTS_EVERY_MS = 15000;
  // With alerts in force in the town, or attackers in it, as often as the advice in force is
  // asked for.
  function townEvery() {
    var now = document.getElementById("now");
    var urgentTown = now && (now.getAttribute("data-town-marks") || threatShown());
    return urgentTown ? GUIDANCE_URGENT_EVERY_MS : TOWN_ALERTS_EVERY_MS;
  }
  // Whether the page says now that attackers are reported in the town (the server's line,
  // made with the page or with its words fetched since).
  function threatShown() { return !!document.querySelector("[data-guidance] [data-ground-threat]"); }
  var townAskedAt = elapsed();
  var townAsking = false;
  // As the advice's (confirmedAt, askFailed, confirmedLabel), for the town's alerts: when
  // those shown were last confirmed by the server (only to measure how long ago), whether
  // the last ask got no answer, and the server's time they were true at.
  var townConfirmedAt = keptCopy ? -Infinity : elapsed();
  var townFailed = false;
  var townLabel = pageAt;
  function townConfirmed(atMs) {
    townFailed = false;
    townConfirmedAt = elapsed();
    townLabel = clock(isNaN(atMs) ? serverNow() : atMs);
    checkStale();
  }
  function townUnanswered() { townFailed = true; checkStale(); }

  // The alerts in force with zones, each marked by the page's template (data-town-mark, the
  // server's own: pages.TOWN_ALERT_MARK), as the page marks those it was made with.
  function townMarks(list, mark) {
    return list.filter(function (a) { return a.zones && a.zones.length; })
      .map(function (a) { return mark.split("{id}").join(a.id).split("{zones}").join(String(a.zones.length)); })
      .sort().join(" ");
  }

  function askTownAlerts() {
    var now = document.getElementById("now");
    var mark = now && now.getAttribute("data-town-mark");
    if (here || townAsking || keptCopy || !mark || !now.hasAttribute("data-town-marks")) return;
    townAsking = true;
    townAskedAt = elapsed();
    var opts = { credentials: "same-origin", cache: "no-store", signal: deadline() };
    fetch("/api/v1/alerts", opts)
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j) { townUnanswered(); return null; }  // no answer (server trouble)
        learnClock(j.now);  // the server's "now", stated
        if (here) return null;
        var at = Date.parse(j.now);
        // Unchanged: the same alerts, and attackers in the town said as the server has it
        // (a ground threat opened or closed changes the page's words: they are asked again).
        var sameThreat = !!j.ground_threat_in_town === threatShown();
        if (sameThreat && townMarks(j.alerts || [], mark) === now.getAttribute("data-town-marks")) {
          var line = document.querySelector("[data-town-alerts-time]");
          if (line && !isNaN(at)) line.textContent = say("as_of", { t: clock(at) });
          townConfirmed(at);
          return null;
        }
        // Changed: what is shown is confirmed only once the page's new words are in.
        return fetch("/resident?lang=" + LANG, opts)
          .then(function (r) { return r.ok ? r.text() : null; })
          .then(function (html) {
            if (here) return;
            if (!html) { townUnanswered(); return; }
            var doc = new DOMParser().parseFromString(html, "text/html");
            var fresh = doc.getElementById("now");
            var box = fresh && fresh.querySelector("[data-guidance]");
            if (!box || !fresh.hasAttribute("data-town-marks")) return;
            now.className = fresh.className;
            now.setAttribute("data-town-marks", fresh.getAttribute("data-town-marks"));
            if (fresh.hasAttribute("data-town-mark")) now.setAttribute("data-town-mark", fresh.getAttribute("data-town-mark"));
            document.querySelector("[data-guidance]").innerHTML = box.innerHTML;
            townConfirmed(at);
          });
      })
      .then(function () { townAsking = false; }, function () { townAsking = false; townUnanswered(); });
  }

  function keepGuidanceCurrent() {
    // A place chosen without JavaScript (an address looked up by the server) is kept too.
    var lat = document.querySelector("[data-where] [name=lat]");
    var lon = document.querySelector("[data-where] [name=lon]");
    if (!here && lat && lon && lat.value && lon.value) here = [parseFloat(lat.value), parseFloat(lon.value)];
    setInterval(function () {
      if (elapsed() - askedAt >= guidanceEvery()) askGuidance();
      if (!here && elapsed() - townAskedAt >= townEvery()) askTownAlerts();
      checkStale();
    }, 1000);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) { askGuidance(); askTownAlerts(); } });
    window.addEventListener("online", function () { askGuidance(); askTownAlerts(); });
    window.addEventListener("offline", checkStale);
  }

  var typing = null;
  function suggest(input) {
    var form = input.form;
    var pick = form.querySelector("input[type=hidden][name=pick]");
    if (pick) pick.remove();
    clearTimeout(typing);
    var q = input.value.trim();
    if (q.length < 2) { showSuggestions(form, []); return; }
    typing = setTimeout(function () {
      fetch("/resident/places?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : []; })
        .then(function (list) { if (input.value.trim() === q) showSuggestions(form, list); })
        .catch(function () { /* offline: the server will look the address up when it arrives */ });
    }, 250);
  }

  /* --- choose on the map (loaded only when asked: the page must stay small) --------------- */

  function loadScript(src) {
    return new Promise(function (ok, fail) {
      var s = document.createElement("script");
      s.src = src; s.onload = ok; s.onerror = fail;
      document.head.appendChild(s);
    });
  }

  var map = null;
  var mapMarker = null;
  function pickOnMap() {
    var el = document.getElementById("map");
    el.hidden = false;
    // In view: above it may stand the attackers' line and the town's alerts, which push the
    // map below the fold of a small phone (a tap there would find nothing to tap).
    if (el.scrollIntoView) el.scrollIntoView({ block: "nearest" });
    if (map) return;
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = "/vendor/leaflet/leaflet.css?" + VERSION;
    document.head.appendChild(css);
    loadScript("/vendor/leaflet/leaflet.js?" + VERSION)
      .then(function () { return loadScript("/static/townmap.js?" + VERSION); })
      .then(function () {
        map = MagenTown.create(el, {});
        map.setView([31.7615, 35.216], 15);
        // A tap places at once, while the town's streets and shelters are still on their way
        // (a weak link takes seconds for them: a tap meanwhile was lost, and nothing said so).
        map.on("click", function (e) {
          if (mapMarker) mapMarker.setLatLng(e.latlng); else mapMarker = L.marker(e.latlng).addTo(map);
          setWhere(e.latlng.lat, e.latlng.lng, null, "", say("location_map"));
        });
        banner("done", say("tap_map"));
        if (el.scrollIntoView) el.scrollIntoView({ block: "nearest" });  // now at its full size
        return MagenTown.load(map, { buildings: false, zones: false });
      })
      .then(function (town) {
        // The whole town in view, unless a place was tapped meanwhile (it stays where seen).
        if (town && town.bounds && !mapMarker) map.fitBounds(town.bounds);
      })
      .catch(function () { el.hidden = true; banner("error", say("gps_failed")); });
  }

  /* --- a kept copy ----------------------------------------------------------------------- */

  // Once the server answers again (its database too), the kept copy's line says so and
  // reloads the page when tapped; the copy (its calls for help, its alerts) stays marked as
  // from its time.
  var serverBack = false;
  function checkServerBack() {
    if (!keptCopy || serverBack || !navigator.onLine) return;
    fetch("/readyz", { cache: "no-store", signal: deadline() }).then(function (r) {
      if (!r.ok || serverBack) return;
      serverBack = true;
      var a = document.createElement("a");
      a.href = location.href;
      a.setAttribute("data-offline-copy-back", "");
      a.textContent = say("fd_offline_copy_back", { t: keptAt });
      keptCopy.textContent = "";
      keptCopy.appendChild(a);
    }, function () { /* still no answer */ });
  }

  function renewKeptIds() {
    var kept = document.querySelectorAll("form[data-queue]");
    for (var i = 0; i < kept.length; i++) renew(kept[i]);
  }

  /* --- start ------------------------------------------------------------------------------ */

  if (keptCopy) renewKeptIds();
  keptCall();

  var extras = document.querySelectorAll(".js-only");
  for (var i = 0; i < extras.length; i++) extras[i].hidden = false;
  var forms = document.querySelectorAll("form[data-queue]");
  for (var j = 0; j < forms.length; j++) {
    (function (f) { f.addEventListener("submit", function (ev) { submit(f, ev); }); })(forms[j]);
  }
  var inputs = document.querySelectorAll("[data-address]");
  for (var k = 0; k < inputs.length; k++) {
    (function (inp) { inp.addEventListener("input", function () { suggest(inp); }); })(inputs[k]);
  }
  var gps = document.querySelector("[data-gps]");
  if (gps) gps.addEventListener("click", function () { locate(false); });
  var mapButton = document.querySelector("[data-pickmap]");
  if (mapButton) mapButton.addEventListener("click", pickOnMap);
  // The silent page asks for the position at once: one tap fewer for someone hiding.
  var placed = document.querySelector("[data-where] [name=lat]");
  if (silentPage && !placed.value) locate(true);
  // Location already allowed on this phone: the advice for where one stands comes without a
  // tap (no permission prompt is ever raised by itself).
  else if (!placed.value && navigator.permissions && navigator.geolocation) {
    navigator.permissions.query({ name: "geolocation" }).then(function (p) {
      if (p.state === "granted" && !document.querySelector("[data-where] [name=lat]").value) locate(true);
    }, function () { /* not supported: the buttons remain */ });
  }

  window.addEventListener("online", function () { renderNet(); flushNow(); });
  window.addEventListener("offline", renderNet);
  document.addEventListener("visibilitychange", function () { if (!document.hidden) flushNow(); });
  setInterval(function () { if (navigator.onLine) flushNow(); checkServerBack(); }, RETRY_MS);
  window.addEventListener("online", checkServerBack);
  renderNet();
  flushNow();
  keepGuidanceCurrent();
  checkServerBack();
  window.magenResident = { outbox: outbox, flush: flushNow, keptCopy: !!keptCopy };
})();
