/* Shared by the staff pages: words, the session token, JSON API calls, the live feed. */
(function () {
  "use strict";

  var S = {};
  try { S = JSON.parse(document.getElementById("strings").textContent); } catch (e) { S = {}; }
  var CFG = {};
  try { CFG = JSON.parse(document.getElementById("config").textContent); } catch (e) { CFG = {}; }

  function say(key, values) {
    var s = S[key] || key;
    for (var k in values || {}) s = s.split("{" + k + "}").join(values[k]);
    return s;
  }
  // A sentence whose values may be elements (a typed name or place in its own <bdi>): the
  // words around them as text, each value where its {key} is, for `node` to put together.
  // The sentence is split once, so a value's own text is never read for placeholders; an
  // element named twice is copied for its second place.
  function sayParts(key, values) {
    var used = {};
    return (S[key] || key).split(/\{(\w+)\}/).map(function (piece, i) {
      if (i % 2 === 0) return piece;
      if (!values || !(piece in values)) return "{" + piece + "}";
      var v = values[piece];
      if (used[piece] && v && typeof v === "object" && v.cloneNode) v = v.cloneNode(true);
      used[piece] = true;
      return v;
    }).filter(function (p) { return p !== ""; });
  }

  // A town, zone or hospital in the page's language where it has a name in it (`names`,
  // {he, ar, en}), else its name of record, else `fallback` (an id).
  var LANG = CFG.lang || document.documentElement.lang || "en";
  function named(o, fallback) {
    return (o && ((o.names && o.names[LANG]) || o.name)) || fallback || "";
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

  /* The bearer token: from sessionStorage, or (a new tab) from the session cookie. */
  function token() {
    var t = sessionStorage.getItem("magen.token");
    if (t) return Promise.resolve(t);
    return timedFetch("/session", { credentials: "same-origin" }, WAIT_MS)
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j || !j.ok) { signIn(); throw new Error("signed out"); }
        sessionStorage.setItem("magen.token", j.access_token);
        sessionStorage.setItem("magen.role", j.role);
        return j.access_token;
      });
  }

  function signIn() {
    sessionStorage.removeItem("magen.token");
    // The page's own query (its language, the record it opened) comes back after signing in,
    // and the sign-in page speaks the page's language.
    var lang = new URLSearchParams(location.search).get("lang");
    location.assign("/login?next=" + encodeURIComponent(location.pathname + location.search) +
      (lang ? "&lang=" + encodeURIComponent(lang) : ""));
  }

  /* How long a request may go unanswered before it is given up as failed: a weak link can
     hold one open with neither answer nor error, and a button waiting on it would stay dead.
     A command given up is sent again under the same id, so it still counts once. */
  var WAIT_MS = 30000, COMMAND_WAIT_MS = 15000;

  function timedFetch(url, init, ms) {
    if (typeof AbortController === "undefined") return fetch(url, init);
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, ms);
    init.signal = ctl.signal;
    return fetch(url, init).then(
      function (r) { clearTimeout(timer); return r; },
      function (e) { clearTimeout(timer); throw e; });
  }

  /* Call the JSON API; resolves {status, ok, json}; a 401 sends the user to sign in.
     Rejects when the network fails or nothing comes back within `ms` (30 s by default). */
  function api(method, path, body, ms) {
    return token().then(function (t) {
      var h = { "Authorization": "Bearer " + t, "Accept": "application/json" };
      if (body !== undefined) h["Content-Type"] = "application/json";
      return timedFetch(path, { method: method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) }, ms || WAIT_MS);
    }).then(function (r) {
      if (r.status === 401) signIn();
      return r.json().catch(function () { return {}; }).then(function (j) { return { status: r.status, ok: r.ok, json: j }; });
    });
  }

  /* A command: a fresh command id, retried on network failure with the same id (never twice). */
  function command(path, body, tries) {
    body = body || {};
    if (!body.command_id) body.command_id = uuid();
    tries = tries === undefined ? 4 : tries;
    return api("POST", path, body, COMMAND_WAIT_MS).catch(function (e) {
      if (tries <= 0) throw e;
      return new Promise(function (ok) { setTimeout(ok, 800); }).then(function () { return command(path, body, tries - 1); });
    });
  }

  /* Times on the town's clock (the page's town-tz), in the digits every other number on the
     page uses: the laptop's own zone and locale digits would disagree with the server's words. */
  var TZ = (function () {
    var meta = document.querySelector('meta[name="town-tz"]');
    var tz = meta && meta.getAttribute("content");
    try { if (tz) new Intl.DateTimeFormat([], { timeZone: tz }); } catch (e) { tz = null; }  // unknown here
    return tz || undefined;
  })();
  var TIME_FORMAT = new Intl.DateTimeFormat([], { hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", numberingSystem: "latn", timeZone: TZ });

  /* The server's clock, so ages and the times a page writes agree with the times the server
     recorded whatever this machine's clock says: its offset from this machine's clock, learnt
     from a time the server stamped as its "now" (the page's own `now` when its config gives
     one, a picture's generated_at, and every heartbeat of the live feed). An answer's Date
     header is not used: it is to the whole second, and would jump the ages it feeds. */
  var skewMs = 0;
  var clockKey = null;  // where keepClock keeps the offset on this machine, when asked to
  function learnClock(iso) {
    var at = iso ? Date.parse(iso) : NaN;
    if (isNaN(at)) return;
    skewMs = at - Date.now();
    if (clockKey) try { localStorage.setItem(clockKey, String(Math.round(skewMs))); } catch (e) { /* private mode */ }
  }
  function serverNow() { return Date.now() + skewMs; }
  learnClock(CFG.now);

  /* A page the phone keeps to open with no network (the resident pages): the offset learnt
     when last online is kept under `key` and is the reckoning until the server is heard
     again; such a copy's own time is old (stale) and never taught as "now". `pageNow`, the
     time the server made this page, is taught only on a page fresh from the server. */
  function keepClock(key, pageNow) {
    var kept = NaN;
    try { kept = parseFloat(localStorage.getItem(key) || ""); } catch (e) { kept = NaN; }
    if (!isNaN(kept) && !CFG.now) skewMs = kept;
    clockKey = key;
    learnClock(pageNow);
  }

  // A time (ISO, or ms) as HH:MM:SS on the town's clock; none given, the server's now.
  function hhmmss(iso) {
    return TIME_FORMAT.format(new Date(iso || serverNow()));
  }

  /* A time typed in a datetime-local box ("2026-11-25T20:00"), read on the town's clock
     whatever this machine's zone, as an instant (ISO, UTC). The town's offset is learnt at
     that moment (twice: a time typed near a change of clocks takes the offset then in force);
     a time the clocks skip reads as the hour after. Not such a time: null. */
  var WALL_FORMAT = new Intl.DateTimeFormat("en-US", {
    year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    second: "2-digit", hourCycle: "h23", numberingSystem: "latn", timeZone: TZ
  });
  function wallMs(ms) {  // the town's wall clock at `ms`, as if it were UTC
    var p = {};
    WALL_FORMAT.formatToParts(new Date(ms)).forEach(function (x) { p[x.type] = x.value; });
    return Date.UTC(+p.year, +p.month - 1, +p.day, +p.hour, +p.minute, +p.second);
  }
  function townInstant(typed) {
    var m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(typed || "");
    if (!m) return null;
    var wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +(m[6] || 0));
    if (isNaN(wall)) return null;
    var at = wall - (wallMs(wall) - wall);
    at = wall - (wallMs(at) - at);
    return new Date(at).toISOString();
  }

  // Whole minutes from `iso` to `nowMs` (the server's now unless given), never below 0.
  function minutesSince(iso, nowMs) {
    return Math.max(0, Math.floor(((nowMs || serverNow()) - new Date(iso).getTime()) / 60000));
  }

  /* The live feed: resumes from the last position seen, with backoff; reports a lost
     connection at once (socket closed) or when no heartbeat came for two intervals.
     The token goes in the first frame, never in the address: a browser prints a failed
     WebSocket's address in its console, and proxies log addresses. */
  function LiveFeed(opts) {
    this.after = opts.after || 0;
    this.onEvent = opts.onEvent;
    this.onState = opts.onState;
    this.heartbeatMs = opts.heartbeatMs || 5000;
    this.lastMessage = 0;
    this.lastAt = null;
    this.up = null;  // not known until the first message, or the first failure
    this.opened = 0;
    this.delay = 500;
    this.socket = null;
    this.stopped = false;
    var self = this;
    this.watchdog = setInterval(function () { self.check(); }, 500);
    // The browser knows before any heartbeat is missed: say so at once.
    window.addEventListener("offline", function () { self.drop(); });
    window.addEventListener("online", function () {
      if (!self.socket && self.retry) { clearTimeout(self.retry); self.retry = null; self.delay = 500; self.open(); }
    });
  }
  LiveFeed.prototype.drop = function () {
    var ws = this.socket;
    this.socket = null;
    if (ws) try { ws.close(); } catch (e) { /* already closing */ }
    this.lost();
  };
  LiveFeed.prototype.open = function () {
    var self = this;
    if (self.stopped) return;
    if (navigator.onLine === false) { self.lost(); return; }  // the "online" event reopens
    token().then(function (t) {
      var proto = location.protocol === "https:" ? "wss:" : "ws:";
      var ws = new WebSocket(proto + "//" + location.host + "/api/v1/live?after=" + self.after);
      self.socket = ws;
      self.opened = Date.now();
      ws.onopen = function () {
        // The server sends nothing until this frame (and closes 4401 for a bad token).
        try { ws.send(JSON.stringify({ kind: "auth", token: t })); } catch (e) { /* closing */ }
      };
      ws.onmessage = function (m) {
        var f;
        try { f = JSON.parse(m.data); } catch (e) { return; }
        self.lastMessage = Date.now();
        self.delay = 500;
        if (f.kind === "event") {
          self.after = Math.max(self.after, f.position);
          self.lastAt = f.recorded_at;
          self.onEvent(f);
        } else if (f.kind === "heartbeat") {
          self.after = Math.max(self.after, f.position);
          self.lastAt = f.at;
          learnClock(f.at);
        }
        self.up = true;
        self.onState(true, self, f);
      };
      ws.onclose = function (ev) {
        if (self.socket !== ws) return;
        self.socket = null;
        if (ev.code === 4401) { signIn(); return; }
        self.lost();
      };
    }, function () { self.lost(); });
  };
  LiveFeed.prototype.lost = function () {
    var self = this;
    // Said once per loss, and also when the feed was never up (a proxy refusing WebSockets).
    if (self.up !== false) { self.up = false; self.onState(false, self); }
    if (self.stopped || self.retry) return;
    var wait = self.delay * (0.75 + Math.random() * 0.5);
    self.delay = Math.min(self.delay * 2, 10000);
    self.retry = setTimeout(function () { self.retry = null; self.open(); }, wait);
  };
  LiveFeed.prototype.check = function () {
    // Silent too long: up and no heartbeat, or a socket opened that never said a word.
    var since = this.up ? this.lastMessage : this.socket ? this.opened : 0;
    if (since && Date.now() - since > 2 * this.heartbeatMs) this.drop();
  };

  document.addEventListener("submit", function (ev) {
    if (ev.target.matches && ev.target.matches("form[data-signout]")) {
      sessionStorage.removeItem("magen.token");
      sessionStorage.removeItem("magen.role");
    }
  }, true);

  /* An element of text and other elements (lists of them, nested): what the server or a
     person typed is only ever text, never parsed as HTML. */
  function node(tag, cls, kids) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    (function add(k) {
      if (Array.isArray(k)) k.forEach(add);
      else if (k != null && k !== "") e.appendChild(typeof k === "object" ? k : document.createTextNode(String(k)));
    })(kids);
    return e;
  }
  // Items with a separator between them (a string, or a function making a fresh element).
  function joined(items, sep) {
    var out = [];
    items.forEach(function (it, i) { if (i) out.push(typeof sep === "function" ? sep() : sep); out.push(it); });
    return out;
  }

  /* A field the server refused, said in the page's words: the form's own label for it and the
     rule it broke with its bound ("Call sign: at most 40 characters"), from the answer's
     `details` (pydantic's rule names). The server's English reason stays for the title. */
  var RULE_WORDS = {
    string_too_long: "rule_at_most_chars", string_too_short: "rule_at_least_chars",
    too_long: "rule_at_most_items", too_short: "rule_at_least_items", missing: "rule_required",
    less_than_equal: "rule_at_most", greater_than_equal: "rule_at_least",
    less_than: "rule_below", greater_than: "rule_above", enum: "rule_choice", literal_error: "rule_choice",
    int_parsing: "rule_whole_number", int_type: "rule_whole_number", int_from_float: "rule_whole_number",
    float_parsing: "rule_number", float_type: "rule_number", finite_number: "rule_number",
    date_parsing: "rule_time", date_type: "rule_time", date_from_datetime_parsing: "rule_time",
    date_from_datetime_inexact: "rule_time", datetime_parsing: "rule_time", datetime_type: "rule_time",
    datetime_from_date_parsing: "rule_time", timezone_aware: "rule_time", extra_forbidden: "rule_unknown_field"
  };
  function ruleSaid(detail) {
    var key = detail && RULE_WORDS[detail.rule];
    if (!key) return "";
    return say(key, { n: detail.limit != null ? "\u2066" + detail.limit + "\u2069" : "?" });
  }
  // The form's input for a refused field ("where.lat", "contact.phone", "name.alternates.0"):
  // by its name, `names` mapping a part of the field's path to one ("contact.phone" ->
  // "contact_phone"), else the part's names joined by "_"; the longest part first.
  function inputFor(form, field, names) {
    var parts = String(field || "").split(".");
    for (var i = 0; form && i < parts.length; i++) {
      for (var n = parts.length; n > i; n--) {
        var path = parts.slice(i, n).join(".");
        var el = form.elements[(names && names[path]) || parts.slice(i, n).join("_")];
        if (el && el.nodeType !== 1) el = el[0];  // radio buttons: the first of them
        if (el) return el;
      }
    }
    return null;
  }
  // What a field is called on its form: its label's own words, without a format shown in
  // brackets after them.
  function labelOf(input) {
    var label = input && (input.closest("label") || (input.id && document.querySelector('label[for="' + input.id + '"]')));
    var words = label && label.firstChild && label.firstChild.nodeType === 3 ? label.firstChild.textContent.trim() : "";
    return words.replace(/\s*\([^()]*\)\s*$/, "") || (input ? input.name : "");
  }
  /* The first field of a refusal that the form can show: {input, field, rule, text}, the
     input, its label, the rule in words ("" when the rule is not one a person can mend) and
     the two together ("Call sign: at most 40 characters"); null when no field is the form's. */
  function fieldRefused(r, form, names) {
    var details = (r && r.json && r.json.details) || [];
    for (var i = 0; i < details.length; i++) {
      var input = inputFor(form, details[i].field, names);
      if (!input) continue;
      var field = labelOf(input), rule = ruleSaid(details[i]);
      return { input: input, field: field, rule: rule,
        text: rule ? say("err_field_rule", { field: field, rule: rule }) : say("err_field", { field: field }) };
    }
    return null;
  }
  // Mark the refused field on its form (and focus it); clear the marks of earlier refusals.
  function markRefused(form, found) {
    if (!form) return;
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (i) { i.removeAttribute("aria-invalid"); });
    if (found && found.input) { found.input.setAttribute("aria-invalid", "true"); found.input.focus(); }
  }

  /* Why the rules refused a command, in the page's words, when the answer names the rule
     ("sos_resolved": "The call is already closed"); "" when it names none the page knows. */
  function refusedFor(r) {
    var rule = r && r.json && r.json.rule;
    return rule && S["refused_" + rule] ? say("refused_" + rule) : "";
  }

  /* What of a list (alerts, orders) is in force at `now` (ms): those with no `expires_at` or
     one still ahead, and when the next of them runs out (Infinity when none will). The
     picture has no clock: it lists what has not ended, each with its expiry, for the page to
     judge by its own reckoning of the server's time. */
  function inForce(items, now) {
    var next = Infinity;
    var kept = (items || []).filter(function (x) {
      var ends = x.expires_at ? new Date(x.expires_at).getTime() : Infinity;
      if (ends > now) next = Math.min(next, ends);
      return ends > now;
    });
    return { items: kept, next: next };
  }

  window.Magen = {
    S: S, CFG: CFG, named: named, say: say, sayParts: sayParts, uuid: uuid, token: token, api: api, command: command,
    TZ: TZ, hhmmss: hhmmss, townInstant: townInstant, minutesSince: minutesSince, serverNow: serverNow, learnClock: learnClock, keepClock: keepClock, LiveFeed: LiveFeed, node: node, joined: joined,
    ruleSaid: ruleSaid, fieldRefused: fieldRefused, markRefused: markRefused, labelOf: labelOf,
    inForce: inForce, refusedFor: refusedFor
  };
})();
