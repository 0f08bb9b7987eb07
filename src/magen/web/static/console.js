/* The operations console: the live picture on the town map, the queues beside it, a time
   slider that replays the log, and keyboard shortcuts for the frequent acts.

   The picture comes from GET /api/v1/picture; every live event (WebSocket) schedules a fresh
   one, so the console never computes the picture itself. A lost feed greys the map and says
   how old the picture is at once; nothing old is ever shown as current. */
(function () {
  "use strict";

  var M = window.Magen;
  var say = M.say;
  var CFG = M.CFG;
  var READ_ONLY = !!CFG.read_only;
  var ROLE = CFG.role;
  // Who reads the people boards (app/auth.py audiences): medical and registry roles.
  var SEES_CASUALTIES = ["admin", "dispatcher", "registrar", "analyst"].indexOf(ROLE) >= 0;
  var SEES_REGISTRY = ["admin", "registrar", "analyst"].indexOf(ROLE) >= 0;
  var DECIDES_MATCHES = ["admin", "registrar"].indexOf(ROLE) >= 0;
  var CAN_REPLAY = CFG.role !== "registrar";
  var LANG = CFG.lang || "en";
  // The fuser's threshold (MAGEN_TRACK_STALE_S, given by the page): a group not seen for longer
  // is stale, whatever an older picture said of it.
  var STALE_TRACK_MS = CFG.track_stale_s * 1000;
  var MAX_SIGHTINGS = 600;

  // Commands the panels send. Tracks and dispatch follow the picture's and dispatch's APIs.
  var ENDPOINTS = {
    confirmTrack: function (id) { return "/api/v1/tracks/" + encodeURIComponent(id) + "/confirm"; },
    dismissTrack: function (id) { return "/api/v1/tracks/" + encodeURIComponent(id) + "/dismiss"; },
    assign: function () { return "/api/v1/dispatch/assignments"; },
    cancelAssignment: function (id) { return "/api/v1/dispatch/assignments/" + encodeURIComponent(id) + "/cancel"; },
    endAlert: function (id) { return "/api/v1/alerts/" + encodeURIComponent(id) + "/end"; },
    issueAlert: function () { return "/api/v1/alerts"; },
    liftDanger: function (id) { return "/api/v1/danger-areas/" + encodeURIComponent(id) + "/lift"; },
    declareDanger: function () { return "/api/v1/danger-areas"; },
    clearOverride: function (id) { return "/api/v1/guidance/overrides/" + encodeURIComponent(id) + "/clear"; },
    issueOverride: function () { return "/api/v1/guidance/overrides"; },
    shelterStatus: function (id) { return "/api/v1/shelters/" + encodeURIComponent(id) + "/status"; }
  };

  /* --- map -------------------------------------------------------------------------------- */

  var mapEl = document.getElementById("map");
  mapEl.setAttribute("dir", "ltr");
  var map = MagenTown.create(mapEl, {});
  map.setView([31.7615, 35.216], 15);
  var town = null;
  var zones = [], townName = "", zoneNames = {};
  var layers = {};
  ["danger", "alerts", "overrides", "routes", "sightings", "tracks", "incidents", "responders", "casualties", "hospitals"].forEach(function (k) {
    layers[k] = L.layerGroup().addTo(map);
  });
  var markers = {};  // "kind:id" -> layer, to pan to a selected item

  MagenTown.load(map, {}).then(function (t) {
    town = t;
    if (t && t.bounds) map.fitBounds(t.bounds);
    if (t) {
      // Shelters above the areas drawn over them (a lock-in, a danger area, an alert): a
      // shelter inside one is the one to mark compromised, so it must take the click.
      map.createPane("shelters").style.zIndex = 460;
      Object.keys(t.shelters).forEach(function (id) {
        var m = t.shelters[id];
        m.remove();
        m.options.pane = "shelters";
        m.addTo(map);
        if (m.getElement()) m.getElement().setAttribute("data-shelter", id);
        bindShelter(id, m);
      });
    }
    if (shown) show(shown);
  });
  // The town's, a zone's or a hospital's name in the page's language ("כל בקעה").
  var named = M.named;
  if (CFG.has_town) {
    fetch("/api/v1/town", { credentials: "same-origin" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (info) {
        if (!info) return;
        zones = info.zones || []; townName = named(info);
        zoneNames = {};
        zones.forEach(function (z) { zoneNames[z.id] = named(z); });
        fillAlertForm();
        if (shown) show(shown);  // alerts drawn before the zones' names came: by name now
      });
  }

  // The server's clock (common.js: learnt from each picture and the feed's heartbeats), so ages
  // are right even when this machine's clock is off.
  var serverNow = M.serverNow;

  /* --- the picture ------------------------------------------------------------------------ */

  var live = null;      // the latest live picture
  var shown = null;     // the picture on screen (live, or replayed)
  var mode = "live";    // "live" | "replay"
  var head = 0;
  var lost = false;
  var feed = null;
  // The last picture could not be fetched (the server answered an error, or nothing): what is
  // on screen is old even while the feed is up, and is said so until a picture comes.
  var failed = false, retryTimer = null, retryMs = 1000, wasStale = false;

  // A picture asked for while one is on its way: 0 none, 1 capped (the feed moved on), 2 at
  // once (an SOS, an act of this console's, a link back): asked for when the first comes.
  var fetching = false, again = 0;
  function pictureFailed() {
    fetching = false;
    if (!failed) { failed = true; connection(); }
    if (!retryTimer) {
      retryTimer = setTimeout(function () { retryTimer = null; refresh(); }, retryMs);
      retryMs = Math.min(retryMs * 2, 10000);
    }
  }
  // A picture asked for and not answered in this long (a server that accepts and never
  // answers) is a failed one: the request is given up (aborted, so a late answer can never
  // overwrite a newer picture), said stale, and asked again.
  var PICTURE_TIMEOUT_MS = 10000;
  function refresh(capped) {
    if (fetching) { again = Math.max(again, capped ? 1 : 2); return; }
    fetching = true;
    askedAt = Date.now();
    M.api("GET", "/api/v1/picture", undefined, PICTURE_TIMEOUT_MS).then(function (r) {
      if (!r.ok) { again = 0; pictureFailed(); return; }
      fetching = false;
      retryMs = 1000;
      if (failed) { failed = false; connection(); }
      live = r.json;
      M.learnClock(live.generated_at);
      setHead(live.position);
      if (mode === "live") show(live);
      if (!feed) startFeed(live.position);
      loadProposals();
      loadBoards();
      // A slow plan is reused for a while (app/dispatch.py SLOW_PLAN_S): a picture can show a
      // call before the recommendations for it. Asked again (capped) until they catch up, so a
      // quiet moment with no further event never leaves a call without its recommendation.
      var recs = live.recommendations;
      var behind = recs && typeof recs.position === "number" && recs.position < live.position;
      if (again) { var now = again === 2; again = 0; refreshSoon(now); }
      else if (behind) refreshSoon(false);
    }, function () {
      again = 0;
      pictureFailed();
    });
  }

  /* Redraws capped. A busy feed (tens of events a second in an attack) asks for the next
     picture at most once every DRAW_GAP_MS, so the map and each panel are drawn about once a
     second at most, all from the same picture: a panel never shows a newer moment than the
     one beside it. Never held back: a call for help (an SOS raised or updated) and what this
     console just did (the answer to an act sent from it), asked for at once (a quarter of a
     second after the last picture at the soonest: a flood of calls draws four a second). */
  var DRAW_GAP_MS = 1000, AT_ONCE_GAP_MS = 250;
  var AT_ONCE = { SosRaised: 1, SosUpdated: 1 };
  var soon = null, soonAt = 0, soonCapped = true, askedAt = -Infinity;
  function refreshSoon(now) {
    var t = Date.now();
    var at = Math.max(t + 40, askedAt + (now ? AT_ONCE_GAP_MS : DRAW_GAP_MS));
    if (soon) {
      if (at >= soonAt) return;
      clearTimeout(soon);
    }
    soonAt = at;
    soonCapped = !now;
    soon = setTimeout(function () { soon = null; refresh(soonCapped); }, at - t);
  }

  /* A quiet feed brings no event, so nothing would ask for a picture: one older than
     QUIET_PICTURE_MS by the server's clock is asked for again (at the age tick and at the feed's
     heartbeats), so that groups going quiet are judged stale by the server and leave its
     totals. One at a time, and at most once in QUIET_PICTURE_MS while nothing happens; none
     while the feed is lost or a failed picture is being retried (those ask for their own).
     True when one was asked for (it is drawn when it comes). */
  var QUIET_PICTURE_MS = 30000;
  function refreshIfOld() {
    if (!live || lost || failed || fetching || soon) return false;
    if (serverNow() - new Date(live.generated_at).getTime() < QUIET_PICTURE_MS) return false;
    refresh(true);
    return true;
  }

  function startFeed(after) {
    feed = new M.LiveFeed({
      after: after,
      onEvent: function (f) { setHead(f.position); refreshSoon(!!byId(AT_ONCE, f.type)); },
      onState: function (up, fd, frame) {
        if (frame && frame.kind === "heartbeat") { setHead(frame.position); refreshIfOld(); }
        if (up && lost) { lost = false; connection(); refresh(); }
        else if (!up && !lost) { lost = true; connection(); }
        else if (up) connection();
      }
    });
    feed.open();  // a feed that never comes up is reported lost by LiveFeed itself
  }

  function connection() {
    var banner = document.getElementById("banner");
    var badge = document.getElementById("mode");
    document.body.classList.toggle("lost", lost || failed);
    if ((lost || failed) !== wasStale) {
      wasStale = lost || failed;
      if (shown) show(shown);  // the empty lists say "not known", not "None", while stale
    }
    if (lost || failed) {
      // As of the picture on screen: the feed's last word only when the picture has caught up
      // with it (nothing happened since), else the picture's own time.
      var at = live ? (feed && feed.lastAt && live.position >= head ? feed.lastAt : live.generated_at) : null;
      var t = at ? M.hhmmss(at) : say("cx_no_picture");
      banner.textContent = lost ? say("connection_lost", { t: t }) + " · " + say("reconnecting")
        : say("cx_picture_failed", { t: t }) + " · " + say("cx_retrying");
      banner.className = "banner";
      banner.hidden = false;
      badge.className = "badge lost";
      badge.dataset.mode = "lost";
      badge.textContent = say("cx_badge_lost");
      return;
    }
    if (mode === "replay") return replayBanner();
    if (!live) return;  // nothing drawn yet: not "live" until a picture is
    banner.hidden = true;
    badge.className = "badge live";
    badge.dataset.mode = "live";
    badge.textContent = say("live");
    document.getElementById("asof").textContent = M.hhmmss(feed && feed.lastAt);
  }

  /* --- time slider ------------------------------------------------------------------------ */

  var slider = document.getElementById("slider");
  var sliderAt = document.getElementById("slider-at");
  var toLive = document.getElementById("to-live");
  if (!CAN_REPLAY) slider.parentNode.hidden = true;

  function setHead(p) {
    if (p <= head) return;
    head = p;
    var atEnd = mode === "live";
    slider.max = String(head);
    if (atEnd) slider.value = String(head);
    if (mode === "live") sliderAt.textContent = "#" + head;
  }

  var replayTimer = null, replayWanted = null;
  function replay(position) {
    if (position >= head) return backToLive();
    mode = "replay";
    replayWanted = position;
    sliderAt.textContent = "#" + position;
    document.body.classList.add("replaying");
    toLive.hidden = false;
    clearTimeout(replayTimer);
    replayTimer = setTimeout(function () {
      M.api("GET", "/api/v1/picture/at?position=" + position).then(function (r) {
        if (mode !== "replay" || replayWanted !== position) return;  // the slider moved on
        if (r.ok) { show(r.json); replayBanner(); }
      });
    }, 120);
  }

  function replayBanner() {
    if (lost || failed) return connection();
    var banner = document.getElementById("banner");
    var badge = document.getElementById("mode");
    var p = shown && shown.replay ? shown : null;
    var at = p && p.as_of ? M.hhmmss(p.as_of) : "—";
    banner.textContent = say("replay") + " — " + at + " (#" + (p ? p.position : replayWanted) + " / " + head + ")";
    banner.className = "banner replay";
    banner.hidden = false;
    badge.className = "badge replay";
    badge.dataset.mode = "replay";
    badge.textContent = say("replay");
    document.getElementById("asof").textContent = at;
    sliderAt.textContent = at + " #" + (p ? p.position : replayWanted);
  }

  function backToLive() {
    mode = "live";
    replayWanted = null;
    slider.value = String(head);
    sliderAt.textContent = "#" + head;
    toLive.hidden = true;
    document.body.classList.remove("replaying");
    if (live) show(live);
    connection();
    refresh();
  }

  slider.addEventListener("input", function () { replay(parseInt(slider.value, 10)); });
  toLive.addEventListener("click", backToLive);

  /* --- drawing ---------------------------------------------------------------------------- */

  function nowOf(p) { return p && p.replay && p.as_of ? new Date(p.as_of).getTime() : serverNow(); }
  function ageMin(iso, p) { return iso ? Math.max(0, Math.floor((nowOf(p) - new Date(iso).getTime()) / 60000)) : 0; }
  function esc(s) { return String(s == null ? "" : s).replace(/[&<>"']/g, function (c) { return "&#" + c.charCodeAt(0) + ";"; }); }
  function idOf(x) { return x.id || x.track_id || x.incident_id || x.casualty_id || x.match_id || x.recommendation_id || x.hospital_id; }
  function cls(id) { return String(id).replace(/[^A-Za-z0-9_-]/g, "_"); }

  // A picture's lookups by id, made once for each picture (not again for each row drawn):
  // the first of each id, as the lists' own order gives it.
  var indexes = new WeakMap();
  function index(p) {
    p = p || {};
    var ix = indexes.get(p);
    if (ix) return ix;
    ix = { tracks: {}, danger: {}, responders: {}, activeOf: {}, incidents: {} };
    function first(into, key, x) { if (!Object.prototype.hasOwnProperty.call(into, key)) into[key] = x; }
    (p.tracks || []).forEach(function (t) { first(ix.tracks, idOf(t), t); });
    (p.danger_areas || []).forEach(function (d) { first(ix.danger, d.id, d); });
    (p.responders || []).forEach(function (r) { first(ix.responders, r.id, r); });
    (p.assignments || []).forEach(function (a) { if (a.active !== false) first(ix.activeOf, a.responder_id, a); });
    (p.incidents || p.sos || []).forEach(function (x) { first(ix.incidents, idOf(x), x); });
    indexes.set(p, ix);
    return ix;
  }
  function byId(map, id) { return Object.prototype.hasOwnProperty.call(map, id) ? map[id] : undefined; }

  // How many times the picture and each panel were drawn (for tests and for timing).
  var drawn = { pictures: 0, panels: {} };
  function show(p) {
    drawn.pictures++;
    if (shown !== p && (p.replay || !selected || selected.kind !== "recommendations")) clearPreview();
    shown = p;
    // Sightings and tracks are kept from picture to picture (Kept); the rest drawn anew.
    Object.keys(layers).forEach(function (k) { if (k !== "sightings" && k !== "tracks") layers[k].clearLayers(); });
    markers = {};
    drawDanger(p.danger_areas || []);
    nextExpiry = Infinity;
    drawAlerts(inForce(p, p.alerts));
    drawOverrides(inForce(p, p.overrides));
    redrawAtExpiry(p);
    drawShelters(p.shelters || []);
    drawSightings(p.sightings || [], p);
    drawTracks(p.tracks, p);
    drawScale(scaleNow(p));
    drawIncidents(p);
    drawRoutes(p.assignments || []);
    drawResponders(p.responders || []);
    layoutTrackLabels();  // around the responders and calls drawn just now
    drawRecommendations(p.recommendations);
    drawBoards();
    if (mode === "live") document.getElementById("asof").textContent = M.hhmmss(feed && feed.lastAt && !failed ? feed.lastAt : p.generated_at);
    applySearch();
    restoreSelection();
  }

  function area(a, style) {
    if (!a) return null;
    if (a.kind === "circle") return L.circle([a.lat, a.lon], Object.assign({ radius: a.radius_m }, style));
    if (a.kind === "polygon") return L.polygon(a.ring.map(function (c) { return [c[1], c[0]]; }), style);
    return null;
  }

  function panel(name) { return document.querySelector('[data-panel="' + name + '"]'); }

  /* The queues are kept row by row from one picture to the next (keyed by id): a row drawn
     the same as before stays the same element, with its buttons, so a press that spans a
     redraw (a busy feed draws several pictures a second) lands on the button it began on. A
     row whose drawing changed is put in place of the old one; the rows keep the list's order.
     While the pointer is down inside a list, that list is not redrawn at all: it is drawn
     when the press ends (after its click). */
  var pressed = null;  // the list the pointer is down in, if any
  document.addEventListener("pointerdown", function (ev) {
    pressed = ev.target && ev.target.closest ? ev.target.closest("#panels [data-list]") : null;
  }, true);
  function released() {
    if (!pressed) return;
    var list = pressed;
    pressed = null;
    // After the click this press makes (dispatched with the pointerup, before any timer).
    if (list.dataset.pending) setTimeout(function () { delete list.dataset.pending; if (shown) show(shown); }, 0);
  }
  document.addEventListener("pointerup", released, true);
  document.addEventListener("pointercancel", released, true);

  function drewPanel(name) { drawn.panels[name] = (drawn.panels[name] || 0) + 1; }

  function idle(li) { return li.querySelectorAll(".acts > button:disabled:not([data-sending])").length; }

  function fill(name, items, render, opts) {
    var sec = panel(name);
    if (!sec) return;
    opts = opts || {};
    if (items === undefined || items === null) { sec.hidden = !opts.always; if (!opts.always) return; items = []; }
    sec.hidden = false;
    if (opts.title) sec.querySelector("[data-title]").textContent = opts.title;
    var list = sec.querySelector("[data-list]");
    if (pressed === list) { list.dataset.pending = "1"; return; }
    // An empty list on a stale picture is not known to be empty: never "None" then.
    var stale = lost || failed;
    var count = stale && !items.length ? "?" : String(opts.count != null ? opts.count : items.length);
    var countEl = sec.querySelector("[data-count]");
    if (countEl.textContent !== count) countEl.textContent = count;
    if (!items.length) {
      var words = say(stale ? "cx_none_stale" : "nothing_open");
      var only = list.children.length === 1 ? list.firstElementChild : null;
      if (only && only.className === "none" && only.textContent === words) return;
      drewPanel(name);
      list.innerHTML = "";
      var none = document.createElement("li");
      none.className = "none";
      none.textContent = words;
      list.appendChild(none);
      return;
    }
    var had = {}, changed = false;
    Array.prototype.forEach.call(list.children, function (li) { if (li._key) had[li._key] = li; });
    var rows = [], seen = {};
    items.forEach(function (it) {
      var key = String(idOf(it));
      while (seen[key]) key += "+";  // an id twice in one list: each drawn
      seen[key] = true;
      var li = document.createElement("li");
      li.dataset.kind = name;
      li.dataset.id = idOf(it);
      if (it.sos_ids) li.dataset.sos = it.sos_ids.join(" ");  // an incident's calls, for search
      render(li, it);
      var drawing = li.outerHTML;
      var old = had[key];
      // Kept when drawn the same, unless a button in it was left disabled by an act that has
      // since been answered (the row drawn anew takes it back).
      if (old && old._drawing === drawing && idle(old) <= idle(li)) { rows.push(old); delete had[key]; return; }
      li._key = key;
      li._drawing = drawing;
      changed = true;
      li.addEventListener("click", function (ev) {
        if (!li.dataset.id || (ev.target.closest && ev.target.closest("button, select, input, a"))) return;
        select(li);
        focusOn(li);
      });
      if (old) {
        if (old.classList.contains("sel")) li.classList.add("sel");
        li.hidden = old.hidden;
        list.replaceChild(li, old);
        delete had[key];
      }
      rows.push(li);
    });
    Object.keys(had).forEach(function (k) { list.removeChild(had[k]); changed = true; });
    Array.prototype.slice.call(list.children).forEach(function (li) { if (!li._key) { list.removeChild(li); changed = true; } });
    // In the list's order, moving only the rows out of place.
    rows.forEach(function (li, i) {
      var at = list.children[i];
      if (at !== li) { list.insertBefore(li, at || null); changed = true; }
    });
    if (changed) drewPanel(name);
    // A field being typed in, drawn anew: the cursor back where it was.
    var typing = list.querySelector("[data-refocus]");
    if (typing) {
      typing.removeAttribute("data-refocus");
      var at = typing.value.length;
      typing.focus();
      if (typing.setSelectionRange) typing.setSelectionRange(at, at);
    }
  }

  function actButton(li, label, act, key, allowed) {
    if ((allowed === undefined ? READ_ONLY : !allowed) || mode !== "live") return;
    var acts = li.querySelector(".acts");
    if (!acts) { acts = document.createElement("div"); acts.className = "acts"; li.appendChild(acts); }
    var b = document.createElement("button");
    b.type = "button";
    b.textContent = label;
    if (key) b.dataset.key = key;
    // While the picture is stale nothing is sent from it: the button says why.
    if (lost || failed) { b.disabled = true; b.title = say("cx_stale_no_act"); }
    b.addEventListener("click", function () { if (!lost && !failed) act(b); });
    acts.appendChild(b);
    return b;
  }

  /* A refused or failed command is said in a notice over the map, in the console's words,
     and never in a blocking dialog that stops the live picture behind it. The server's reason
     is English prose (for logs and other clients): it stays in the notice's title only. */
  var ERROR_WORDS = { invalid: "cx_err_invalid", http_400: "cx_err_invalid", refused: "cx_err_refused",
    not_found: "cx_err_not_found", http_404: "cx_err_not_found", forbidden: "cx_err_forbidden",
    http_403: "cx_err_forbidden", conflict: "cx_err_conflict", http_409: "cx_err_conflict",
    rate_limited: "cx_err_rate_limited", http_429: "cx_err_rate_limited" };
  function errorWords(r) {
    if (!r) return say("cx_err_network");
    var ruled = M.refusedFor(r);
    if (ruled) return ruled;
    var code = r.json && r.json.error;
    if (ERROR_WORDS[code]) return say(ERROR_WORDS[code]);
    if (r.status >= 500) return say("cx_err_server");
    return say("cx_err_refused");
  }
  var toastTimer = null;
  function toast(words, detail) {
    var box = document.getElementById("toast");
    if (!box) {
      box = document.createElement("div");
      box.id = "toast";
      box.className = "toast";
      box.setAttribute("role", "alert");
      document.body.appendChild(box);
    }
    box.innerHTML = "";
    var msg = document.createElement("span");
    msg.textContent = words;
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = say("cx_close");
    close.addEventListener("click", function () { box.hidden = true; });
    box.appendChild(msg); box.appendChild(close);
    box.title = detail || "";
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { box.hidden = true; }, 12000);
  }
  // With the form it came from, a refused field is named by its label and the rule it broke
  // ("Radius (m): at most 5000"), and marked on the form.
  function refusal(r, form) {
    var found = r && form ? M.fieldRefused(r, form) : null;
    if (form) M.markRefused(form, found);
    toast(say("error", { reason: found ? found.text : errorWords(r) }), r && r.json && r.json.reason ? String(r.json.reason) : "");
  }

  function run(path, body, button) {
    if (button) { button.disabled = true; button.dataset.sending = "1"; }
    return M.command(path, body).then(function (r) {
      if (button) delete button.dataset.sending;
      if (!r.ok) { refusal(r, button && button.form); if (button) button.disabled = false; }
      else if (button && button.form) M.markRefused(button.form, null);
      refreshSoon(true);  // what the dispatcher just did, shown at once
      return r;
    }, function () {
      if (button) { delete button.dataset.sending; button.disabled = false; }
      refusal(null);
      return { ok: false, status: 0, json: {} };
    });
  }

  // What a danger area is drawn around, in the console's words from its threat_id (a track,
  // an incident or one of its calls), and what the operator typed, isolated in its own
  // direction: a note is their words, in whatever language they wrote it.
  function typed(s) { return s ? "\u2068" + s + "\u2069" : ""; }
  function dangerAround(d) {
    if (!d.threat_id) return "";
    var track = byId(index(shown).tracks, d.threat_id);
    if (track) return say(track.confirmed ? "danger_around_confirmed_track" : "danger_around_track");
    return say("danger_around_incident");
  }
  function dangerLine(d) {
    return [dangerAround(d), typed(d.note)].filter(Boolean).join(" · ");
  }

  function drawDanger(items) {
    items.forEach(function (d) {
      var shape = area(d.area, { color: "#b00020", weight: 2, fillColor: "#b00020", fillOpacity: 0.18, className: "mk mk-danger danger-" + cls(d.id) });
      if (shape) {
        var line = dangerLine(d);
        shape.bindTooltip(esc(d.title && (d.title[LANG] || d.title.en)) + (line ? " · " + esc(line) : ""));
        shape.addTo(layers.danger);
        markers["danger:" + d.id] = shape;
      }
    });
    fill("danger", items, function (li, d) {
      li.innerHTML = "<b>" + esc(d.title && (d.title[LANG] || d.title.en)) + "</b> " + esc(dangerLine(d)) +
        '<div class="t">' + esc(M.hhmmss(d.declared_at)) + "</div>";
      var warning = liftWarning(d);
      if (!warning && lifting === d.id) lifting = null;
      var lift = actButton(li, say("lift"), function (b) {
        if (!warning) { run(ENDPOINTS.liftDanger(d.id), {}, b); return; }
        lifting = d.id;
        if (shown) show(shown);
      });
      if (lift && lifting === d.id) askToLift(li, d, lift, warning);
    }, { always: true });
  }

  /* Lifting an area drawn around a group that is not closed asks twice. The first press on
     "Lift" says why not (the group is still there, or went quiet: not seen for a while is not
     gone) and offers "Lift anyway" below it, away from where the first press was, so a double
     click never lifts. The question stays open across redraws until answered. */
  var lifting = null;  // the id of the danger area whose lift waits for its second press
  function areaTrack(d) {
    var tracks = index(shown).tracks, t = d.threat_id ? byId(tracks, d.threat_id) : undefined;
    for (var hops = 0; t && t.status === "merged" && t.merged_into && hops < 8; hops++) t = byId(tracks, t.merged_into);
    return t;
  }
  function liftWarning(d) {
    var t = areaTrack(d);
    if (t && trackOpen(t)) {
      return say(trackStale(t, shown) ? "cx_lift_warn_stale" : "cx_lift_warn_open", { m: ltr(ageMin(t.last_seen, shown)) });
    }
    // An area of armed attackers drawn around nothing named (no threat_id): an
    // open group inside it or near it may be why it was drawn, and lifting it asks the same.
    if (d.threat_id || d.reason !== "armed_attackers") return "";
    var near = openTracksNear(d.area)[0];
    if (!near) return "";
    return say(trackStale(near.t, shown) ? "cx_lift_warn_near_stale" : "cx_lift_warn_near_open", { m: ltr(ageMin(near.t.last_seen, shown)) });
  }
  function askToLift(li, d, lift, warning) {
    lift.disabled = true;
    lift.dataset.asked = "1";
    var box = document.createElement("div");
    box.className = "lift-warn";
    box.setAttribute("role", "alert");
    box.dataset.liftWarning = d.id;
    var words = document.createElement("p");
    words.textContent = "⚠ " + warning;
    var sure = document.createElement("button");
    sure.type = "button";
    sure.className = "danger";
    sure.dataset.liftAnyway = "1";
    sure.textContent = say("cx_lift_anyway");
    sure.addEventListener("click", function () {
      if (lost || failed) return;
      run(ENDPOINTS.liftDanger(d.id), {}, sure).then(function (r) { if (r && r.ok && lifting === d.id) lifting = null; });
    });
    var keep = document.createElement("button");
    keep.type = "button";
    keep.textContent = say("cx_lift_keep");
    keep.addEventListener("click", function () { lifting = null; if (shown) show(shown); });
    if (lost || failed) { sure.disabled = true; sure.title = say("cx_stale_no_act"); }
    box.appendChild(words);
    box.appendChild(keep);
    box.appendChild(sure);
    li.appendChild(box);
  }

  // The zones an alert or override covers by their names, or "all of Baka (25 zones)" when
  // it covers the whole town: a dispatcher reads where, not a column of zone codes.
  function zoneText(ids) {
    ids = ids || [];
    var covered = {};
    ids.forEach(function (id) { covered[id] = true; });
    if (townName && zones.length > 1 && zones.every(function (z) { return covered[z.id]; })) {
      return say("zones_all", { town: townName, n: zones.length });
    }
    return ids.map(function (id) { return byId(zoneNames, id) || id; }).join(", ");
  }

  // The picture has no clock: it lists alerts and orders not ended, each with its expiry for
  // the reader to judge. Shown only while in force (at the replayed moment in a replay), and
  // drawn again when the next one runs out, though nothing else has changed.
  var expiryTimer = null, nextExpiry = Infinity;
  function inForce(p, items) {
    var found = M.inForce(items, nowOf(p));
    nextExpiry = Math.min(nextExpiry, found.next);
    return found.items;
  }
  function redrawAtExpiry(p) {
    clearTimeout(expiryTimer);
    if (p.replay || nextExpiry === Infinity) return;
    var wait = Math.min(nextExpiry - nowOf(p) + 250, 3600000);
    expiryTimer = setTimeout(function () { if (shown === p) show(p); }, wait);
  }
  function drawAlerts(items) {
    items.forEach(function (a) {
      (a.areas || []).forEach(function (x) {
        var shape = area(x, { color: "#d35400", weight: 2, dashArray: "8 6", fillOpacity: 0.06, className: "mk mk-alert" });
        if (shape) shape.addTo(layers.alerts);
      });
    });
    fill("alerts", items, function (li, a) {
      li.className = "p2";
      li.innerHTML = "<b>" + esc(a.title && (a.title[LANG] || a.title.en)) + "</b>" + (a.drill ? " (" + esc(say("drill")) + ")" : "") +
        '<div class="t">' + esc(zoneText(a.zones)) + " · " + esc(M.hhmmss(a.issued_at)) + "</div>";
      actButton(li, say("end"), function (b) { run(ENDPOINTS.endAlert(a.id), {}, b); });
    }, { always: true });
  }

  function drawOverrides(items) {
    items.forEach(function (o) {
      var shape = area(o.area, { color: "#6f42c1", weight: 2, fillOpacity: 0.08, className: "mk mk-override" });
      if (shape) { shape.bindTooltip(esc(o.title && (o.title[LANG] || o.title.en))); shape.addTo(layers.overrides); }
    });
    var rows = items.slice();
    proposals.forEach(function (p) { rows.push({ id: p.id, proposal: p }); });
    fill("overrides", rows, function (li, o) {
      if (o.proposal) {
        var p = o.proposal;
        li.className = "p3";
        li.innerHTML = "<b>" + esc(say("proposal", { action: say("act_" + p.action), n: p.buildings })) + "</b> · " +
          esc(p.danger_area && p.danger_area.title && (p.danger_area.title[LANG] || p.danger_area.title.en));
        actButton(li, say("confirm"), function (b) { run(ENDPOINTS.issueOverride(), { proposal_id: p.id }, b); }, "c");
        return;
      }
      // Told apart by where (its zones, or its circle's radius and the street nearest its
      // centre), who gave it (an operator, or a proposal confirmed) and when, and whether
      // anything fresh still calls for it.
      var review = overrideToReview(o);
      if (review) li.className = "review";
      li.innerHTML = "<b>" + esc(o.title && (o.title[LANG] || o.title.en)) + "</b> " + esc(typed(o.reason)) +
        (review ? ' <span class="chip review" title="' + esc(say("cx_review_why")) + '">' + esc(say("cx_review")) + "</span>" : "") +
        '<div class="t">' + esc([overrideWhere(o), issuedBy(o) + " (" + say("min_ago", { m: ltr(ageMin(o.issued_at, shown)) }) + ")"]
          .filter(Boolean).join(" · ")) + "</div>";
      actButton(li, say("clear"), function (b) { run(ENDPOINTS.clearOverride(o.id), {}, b); });
    }, { always: true });
  }

  // Who gave an order and when: "by Dana Levi (dispatcher), 10:32" (the account's name and
  // role as the picture gives them to operators), or that a proposal was confirmed by them.
  function issuedBy(o) {
    var t = ltr(M.hhmmss(o.issued_at).slice(0, 5)), by = o.issued_by;
    if (!by || !by.name) return say(o.proposal_id ? "cx_by_proposal" : "cx_by_operator") + ", " + t;
    var role = by.role ? say("cx_role_" + by.role) : "";
    if (role === "cx_role_" + by.role) role = by.role;  // a role with no words of its own
    var who = own(by.name) + (role ? " (" + role + ")" : "");
    return say(o.proposal_id ? "cx_confirmed_by" : "cx_issued_by", { who: who, t: t });
  }

  // Where an order stands: its zones by name, or its circle (radius, and the address of the
  // shelter nearest its centre, the street a dispatcher knows it by).
  function overrideWhere(o) {
    if (o.zones && o.zones.length) return zoneText(o.zones);
    var a = o.area;
    if (!a) return "";
    var near = nearestAddress(a.lat != null ? a : a.ring ? { lat: a.ring[0][1], lon: a.ring[0][0] } : null);
    var size = a.kind === "circle" ? say("cx_radius_m", { n: ltr(Math.round(a.radius_m)) }) : "";
    return [near ? say("cx_near", { place: own(near) }) : "", size].filter(Boolean).join(" · ");
  }
  function nearestAddress(at) {
    if (!at || !town) return "";
    var best = "", least = 600;  // no street named from further than this (m)
    Object.keys(town.shelters).forEach(function (id) {
      var m = town.shelters[id], f = m.feature && m.feature.properties;
      if (!f || !f.address) return;
      var ll = m.getLatLng(), d = metres(at, { lat: ll.lat, lon: ll.lng });
      if (d < least) { least = d; best = f.address; }
    });
    return best;
  }
  // An order given more than REVIEW_MIN ago with no fresh threat inside it (every track in
  // it stale, or none left): still in force, so it is put to the dispatcher to review.
  var REVIEW_MIN = 15;
  function overrideToReview(o) {
    var a = o.area;
    if (!a || a.kind !== "circle" || ageMin(o.issued_at, shown) < REVIEW_MIN) return false;
    return !((shown && shown.tracks) || []).some(function (t) {
      return trackOpen(t) && !trackStale(t, shown) && t.lat != null && metres(a, t) <= a.radius_m;
    });
  }

  var proposals = [];
  var proposalsAt = 0;
  function loadProposals() {
    if (READ_ONLY || !CFG.has_town || Date.now() - proposalsAt < 3000) return;
    proposalsAt = Date.now();
    M.api("GET", "/api/v1/guidance/proposals").then(function (r) {
      proposals = r.ok ? (r.json.proposals || []) : [];
      if (mode === "live" && live) drawOverrides(inForce(live, live.overrides));
    }, function () { /* the next refresh tries again */ });
  }

  var shelterStatus = {};
  function drawShelters(items) {
    shelterStatus = {};
    items.forEach(function (s) { shelterStatus[s.id] = s.status; });
    if (!town) return;
    Object.keys(town.shelters).forEach(function (id) { town.setShelterStatus(id, shelterStatus[id] || "open"); });
  }

  function bindShelter(id, marker) {
    marker.on("click", function () {
      var f = marker.feature.properties;
      var div = document.createElement("div");
      div.className = "shelter-menu";
      div.innerHTML = "<b><bdi>" + esc(f.name) + "</bdi></b><br><bdi>" + esc(f.address) + "</bdi><br>" + esc(say("cx_shelter_" + (shelterStatus[id] || "open")));
      if (!READ_ONLY && mode === "live") {
        var set = document.createElement("div");
        set.className = "t";
        set.textContent = say("cx_shelter_set");
        div.appendChild(set);
        ["open", "full", "closed", "compromised"].forEach(function (st) {
          var b = document.createElement("button");
          b.type = "button";
          b.textContent = say("cx_shelter_" + st);
          b.disabled = (shelterStatus[id] || "open") === st;
          b.addEventListener("click", function () { run(ENDPOINTS.shelterStatus(id), { status: st }, b); map.closePopup(); });
          div.appendChild(b);
        });
      }
      L.popup().setLatLng(marker.getLatLng()).setContent(div).openOn(map);
    });
  }

  /* Map symbols kept from one picture to the next. Every event draws a new picture and most
     of it (hundreds of sightings) is drawn as it was: a symbol whose drawing is the same stays
     on the map as it is (its tooltip's words and its colour brought up to date, in place, so
     the symbols keep the order they were drawn in), one that moved is drawn anew, and one no
     longer in the picture is taken off. */
  function Kept(group) { this.group = group; this.had = {}; this.now = {}; }
  Kept.prototype.put = function (key, drawing, make, tip, restyle) {
    while (this.now[key]) key += "+";  // an id twice in one picture: each drawn
    var old = this.had[key], layer;
    if (old && old.drawing === drawing) {
      layer = old.layer;
      if (tip !== undefined && old.tip !== tip) layer.setTooltipContent(tip);
      if (restyle) restyle(layer);
    } else {
      if (old) this.group.removeLayer(old.layer);
      layer = make();
      if (tip !== undefined) layer.bindTooltip(tip);
      layer.addTo(this.group);
    }
    delete this.had[key];
    this.now[key] = { drawing: drawing, layer: layer, tip: tip };
    return layer;
  };
  Kept.prototype.done = function () {
    var group = this.group, had = this.had;
    Object.keys(had).forEach(function (k) { group.removeLayer(had[k].layer); });
    this.had = this.now;
    this.now = {};
  };
  var keptSightings = new Kept(layers.sightings), keptTracks = new Kept(layers.tracks);

  function drawSightings(items, p) {
    var recent = items.slice(-MAX_SIGHTINGS);
    recent.forEach(function (s) {
      var age = ageMin(s.observed_at, p);
      var colour = age > 15 ? "#c9a27a" : "#e67e22";
      var tip = esc([attackersText(s.count ? { estimate: s.count, low: s.count, high: s.count } : null) + (s.armed === "yes" ? " (" + say("cx_armed") + ")" : ""),
        mobilityText(s.mobility), say("tier_" + s.tier), say("min_ago", { m: ltr(age) })].filter(Boolean).join(" · ")) + (s.text ? " · <bdi>" + esc(s.text) + "</bdi>" : "");
      markers["sightings:" + s.id] = keptSightings.put(s.id, s.lat + " " + s.lon, function () {
        return L.circleMarker([s.lat, s.lon], {
          radius: 5, color: "#fff", weight: 1.5, fillColor: colour, fillOpacity: 0.95,
          className: "mk mk-sighting sig-" + cls(s.id)
        });
      }, tip, function (m) { if (m.options.fillColor !== colour) m.setStyle({ fillColor: colour }); });
    });
    keptSightings.done();
    var sec = panel("sightings");
    if (sec) sec.querySelector("[data-count]").textContent = items.length;
  }

  // How many attackers, as honestly as it is known: "~7 attackers (4–9)" with the range the
  // reports give, "3 attackers" when they agree, "number unknown" when nobody gave a number.
  function attackersText(c) {
    if (!c || (c.estimate == null && c.low == null)) return say("cx_attackers_unknown");
    var n = c.estimate != null ? c.estimate : c.low;
    var low = c.low != null ? c.low : n, high = c.high != null ? c.high : n;
    if (low === high && n === low) return say("cx_attackers_exact", { n: ltr(n) });
    return say("cx_attackers_est", { n: ltr(n), range: ltr(low + "–" + high) });
  }
  // How a group moves, when someone said: "unknown" beside "number unknown" would read as
  // "unknown attackers".
  function mobilityText(m) { return m === "on_foot" || m === "vehicle" ? say(m) : ""; }
  function trackCount(t) {
    var s = t.count && typeof t.count === "object" ? t.count : t.size;
    if (s && typeof s === "object") return attackersText(s);
    return attackersText(t.count != null ? { estimate: t.count, low: t.count, high: t.count } : null);
  }
  function trackConfidence(t) {
    var c = t.confidence;
    if (c && typeof c === "object") return say("conf_" + c.level) + (c.score != null ? " " + Math.round(c.score * 100) + "%" : "");
    return c != null ? String(c) : "";
  }
  // Stale as the server said when it made the picture, or gone quiet since: a picture kept on
  // screen in a quiet feed never shows a group unseen for longer than the fuser's threshold as
  // current (the fuser may also call a group stale sooner, when its estimate has spread).
  function trackStale(t, p) {
    return t.status === "stale" || nowOf(p) - new Date(t.last_seen).getTime() > STALE_TRACK_MS;
  }
  function trackOpen(t) { return !t.status || t.status === "new" || t.status === "confirmed" || t.status === "stale"; }

  /* The picture's scale as it stands now: a group that went stale since the server counted it
     (trackStale) leaves the total and is said stale, as picture/scale.py estimate_scale counts
     it (open, not stale, credible: its attackers, or one when nobody gave a number; open, not
     stale, not credible: unverified). A fresh picture, asked for while the feed is quiet
     (refreshIfOld), then says the same. */
  function scaleNow(p) {
    var sc = p.scale;
    if (!sc) return sc;
    var gone = (p.tracks || []).filter(function (t) { return trackOpen(t) && t.status !== "stale" && trackStale(t, p); });
    if (!gone.length) return sc;
    var a = sc.attackers || {};
    var now = { groups: sc.groups || 0, uncounted_groups: sc.uncounted_groups || 0, unverified_groups: sc.unverified_groups || 0,
      stale_groups: (sc.stale_groups || 0) + gone.length, attackers: { estimate: a.estimate || 0, low: a.low || 0, high: a.high || 0 } };
    gone.forEach(function (t) {
      if (!t.credible) { now.unverified_groups--; return; }
      var c = t.count || {}, known = c.estimate != null && c.low != null && c.high != null;
      now.groups--;
      if (!known) now.uncounted_groups--;
      now.attackers.estimate -= known ? c.estimate : 1;
      now.attackers.low -= known ? c.low : 1;
      now.attackers.high -= known ? c.high : 1;
    });
    return now;
  }

  // The attack's size over every credible group, with its range and what it leaves out.
  function drawScale(sc) {
    var line = document.querySelector("[data-scale]");
    if (!line) return;
    var groups = sc ? (sc.groups || 0) : 0;
    var others = sc ? (sc.unverified_groups || 0) + (sc.stale_groups || 0) : 0;
    if (!sc || (!groups && !others)) { line.hidden = true; return; }
    // No credible group: no total to give (never "0 attackers" beside groups not counted).
    var parts = groups ? [say(groups === 1 ? "cx_scale_one" : "cx_scale", { attackers: attackersText(sc.attackers), groups: ltr(groups) })] : [say("cx_scale_none")];
    if (sc.uncounted_groups) parts.push(say("cx_scale_uncounted", { n: ltr(sc.uncounted_groups) }));
    if (sc.unverified_groups) parts.push(say("cx_scale_unverified", { n: ltr(sc.unverified_groups) }));
    if (sc.stale_groups) parts.push(say("cx_scale_stale", { n: ltr(sc.stale_groups) }));
    line.textContent = parts.join(" · ");
    line.hidden = false;
  }

  /* Track labels never drawn one over another. Each goes beside its dot where it covers no
     other label and no other dot (east, west, south, north in turn; inside the map first),
     the most telling first: confirmed, then fresh, then the latest seen. One that fits
     nowhere is not drawn: its dot is ringed and carries the label as its tooltip (hover, or
     Enter in the queue), and the label drawn nearest it says how many groups it stands for
     ("+2 more groups here"). Laid out again on every zoom and move; the words are today's. */
  var trackMarks = [];  // {m, t, label, stale} of each track on the map now
  var PLACES = ["e", "w", "s", "n", "ne", "se", "nw", "sw"];
  function boxAt(c, place, w, h, view) {
    var x = place === "e" ? c.x + 24 : place === "w" ? c.x - 24 - w :
      place === "ne" || place === "se" ? c.x + 12 : place === "nw" || place === "sw" ? c.x - 12 - w : c.x - w / 2;
    var y = place === "s" ? c.y + 14 : place === "n" ? c.y - 14 - h :
      place === "se" || place === "sw" ? c.y + 12 : place === "ne" || place === "nw" ? c.y - 12 - h : c.y - h / 2;
    // Above or below its dot a label slides along (never off its dot) to stay inside the map.
    if (view && (place === "n" || place === "s")) x = Math.max(c.x - w + 12, Math.min(c.x - 12, Math.max(0, Math.min(x, view.x - w))));
    return { x: x, y: y, w: w, h: h };
  }
  function overlaps(a, b) { return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h; }
  function outside(b, view) {
    return Math.max(0, -b.x) + Math.max(0, b.x + b.w - view.x) + Math.max(0, -b.y) + Math.max(0, b.y + b.h - view.y);
  }
  function trackRank(a, b) {
    return (b.t.confirmed ? 1 : 0) - (a.t.confirmed ? 1 : 0) || (a.stale ? 1 : 0) - (b.stale ? 1 : 0) ||
      new Date(b.t.last_seen || 0) - new Date(a.t.last_seen || 0);
  }
  // Each label, in rank order, where it is free of the labels placed and of other tracks'
  // dots, and whole inside the map when its dot is (a label cut by the map's edge could read
  // "uncorroborated 1" for "15%"); where it can, clear of the responders and calls too
  // (`others`), which it would otherwise cover. The first in PLACES among equals.
  function placeLabels(marks, view, others) {
    var dots = marks.map(function (k) { return { x: k.c.x - 11, y: k.c.y - 11, w: 22, h: 22, k: k }; });
    var taken = [];
    var laidOut = view.x > 0 && view.y > 0;
    marks.forEach(function (k) {
      var best = null, least = Infinity;
      var seen = laidOut && k.c.x >= 0 && k.c.y >= 0 && k.c.x <= view.x && k.c.y <= view.y;
      PLACES.forEach(function (pl) {
        var b = boxAt(k.c, pl, k.w, k.h, view);
        if (seen && outside(b, view) > 0) return;
        if (taken.some(function (t) { return overlaps(b, t); })) return;
        if (dots.some(function (d) { return d.k !== k && overlaps(b, d); })) return;
        var out = outside(b, view) * 1000 + others.filter(function (o) { return overlaps(b, o); }).length;
        if (out < least) { least = out; best = { pl: pl, b: b }; }
      });
      k.place = best ? best.pl : null;
      k.box = best ? best.b : null;
      if (best) taken.push(best.b);
    });
  }
  function hintWords(n) { return n ? say(n === 1 ? "cx_more_here_one" : "cx_more_here", { n: ltr(n) }) : ""; }
  // A label drawn as it is to be: hidden or placed, with its hint (written only where it
  // differs, so that a label that stays put costs the page no new layout).
  function labelAs(k, n, off) {
    if (k.el.classList.contains("lbl-off") !== off) k.el.classList.toggle("lbl-off", off);
    if (k.more.hidden !== !n) k.more.hidden = !n;
    if (k.more.dataset.n !== String(n)) { k.more.dataset.n = String(n); k.more.textContent = hintWords(n); }
  }
  // Each label's size with the hint it has, measured once for each marker (a marker is kept
  // while its track is drawn the same): all the labels to measure set first, then read.
  function measureLabels(marks) {
    var need = marks.filter(function (k) { return !k.m._lblSize[k.n]; });
    need.forEach(function (k) { labelAs(k, k.n, false); });
    need.forEach(function (k) {
      var r = k.lbl.getBoundingClientRect(), size = { w: Math.ceil(r.width), h: Math.ceil(r.height) };
      k.w = size.w; k.h = size.h;
      if (size.w) k.m._lblSize[k.n] = size;  // none while the map is not laid out: not kept
    });
    marks.forEach(function (k) { var size = k.m._lblSize[k.n]; if (size) { k.w = size.w; k.h = size.h; } });
  }
  function layoutTrackLabels() {
    if (!trackMarks.length) return;
    var marks = trackMarks.filter(function (k) { return k.m.getElement(); }).sort(trackRank);
    marks.forEach(function (k) {
      k.el = k.m.getElement().querySelector(".trk");
      k.lbl = k.el.querySelector(".lbl");
      k.more = k.el.querySelector(".more");
      k.m._lblSize = k.m._lblSize || {};
      k.n = 0;
      k.c = map.latLngToContainerPoint(k.m.getLatLng());
    });
    var size = map.getSize();
    var others = [];
    [layers.responders, layers.incidents].forEach(function (g) {
      g.eachLayer(function (l) {
        if (!l.getLatLng) return;
        var c = map.latLngToContainerPoint(l.getLatLng());
        others.push({ x: c.x - 11, y: c.y - 11, w: 22, h: 22 });
      });
    });
    // Placed with no hints; then again with the hints those placings give (a label with a
    // hint is a line taller) until no label goes in or out (at most three times).
    var hidden = null;
    for (var round = 0; round < 3; round++) {
      measureLabels(marks);
      placeLabels(marks, size, others);
      var now = marks.filter(function (k) { return !k.place; }).map(function (k) { return idOf(k.t); }).join(" ");
      marks.forEach(function (k) { k.n = 0; });
      marks.forEach(function (k) {
        if (k.place) return;
        var near = null, best = Infinity;
        marks.forEach(function (o) {
          if (!o.place) return;
          var d = o.c.distanceTo(k.c);
          if (d < best) { best = d; near = o; }
        });
        if (near) near.n++;
      });
      if (now === hidden) break;
      hidden = now;
    }
    marks.forEach(function (k) {
      labelAs(k, k.n, !k.place);
      if (!k.place) {
        if (!k.m.getTooltip()) k.m.bindTooltip(esc(k.label), { direction: "top", offset: [0, -12] });
        return;
      }
      if (k.m.getTooltip()) k.m.unbindTooltip();
      var left = Math.round(k.box.x - k.c.x + 22) + "px", top = Math.round(k.box.y - k.c.y + 22) + "px";
      if (k.lbl.style.left !== left) k.lbl.style.left = left;
      if (k.lbl.style.top !== top) k.lbl.style.top = top;
      if (k.el.dataset.place !== k.place) k.el.dataset.place = k.place;
    });
  }
  map.on("zoomend moveend resize", layoutTrackLabels);

  function drawTracks(items, p) {
    trackMarks = [];
    if (!items) { keptTracks.done(); fill("tracks", null); return; }
    var open = items.filter(trackOpen);
    open.forEach(function (t) {
      var stale = trackStale(t, p);
      var age = ageMin(t.last_seen, p);
      // A stale group leads with how old it is ("last seen 40 min ago"): its number, from
      // then, is said after it and smaller, never the biggest thing on the map.
      var what = trackCount(t) + " · " + trackConfidence(t);
      var seen = say("cx_last_seen", { m: ltr(age) });
      var label = stale ? seen + " · " + what : what + " · " + say("min_ago", { m: ltr(age) });
      var words = stale ? '<span class="lead">' + esc(seen) + '</span><span class="sub">' + esc(what) + "</span>" : esc(label);
      var heading = t.heading_deg;
      // A dot for the group, an arrow the way it is heading (none when that is not known).
      var arrow = heading != null ? '<g transform="rotate(' + Number(heading) + ' 22 22)"><path class="hd" d="M22 0 L29 14 L22 11 L15 14 Z"/></g>' : "";
      var html = '<div class="trk' + (stale ? " stale" : "") + (t.confirmed ? " confirmed" : "") + '">' +
        '<svg width="44" height="44" viewBox="0 0 44 44" aria-hidden="true">' + arrow +
        '<circle class="body" cx="22" cy="22" r="9"/></svg><div class="lbl">' + words + '<span class="more" hidden></span></div></div>';
      var className = "mk mk-track track-" + cls(idOf(t)) + (stale ? " is-stale" : "");
      var m = keptTracks.put("t:" + idOf(t), [t.lat, t.lon, className, html].join(" "), function () {
        var icon = L.divIcon({ html: html, className: className, iconSize: [44, 44], iconAnchor: [22, 22] });
        // Above the responders' and calls' symbols: a label is never read through them.
        return L.marker([t.lat, t.lon], { icon: icon, keyboard: false, zIndexOffset: 1000 });
      });
      if (t.position_error_m) {
        keptTracks.put("e:" + idOf(t), [t.lat, t.lon, t.position_error_m, stale].join(" "), function () {
          return L.circle([t.lat, t.lon], { radius: t.position_error_m, color: stale ? "#888" : "#b00020", weight: 1, dashArray: stale ? "4 4" : null, fillOpacity: 0.05, interactive: false });
        });
      }
      markers["tracks:" + idOf(t)] = m;
      trackMarks.push({ m: m, t: t, label: label, stale: stale });
    });
    keptTracks.done();
    /* To confirm: the fresh groups first, latest seen first; under them, below a "stale"
       heading, the groups nobody has seen for a while, with their age. They stay in the
       list (a group that went quiet may still be there, and only a confirm or a dismissal
       settles it), but never above a fresh one in a list whose height is capped. */
    var pending = open.filter(function (t) { return !t.confirmed; });
    pending.sort(function (a, b) { return new Date(b.last_seen) - new Date(a.last_seen); });
    var fresh = pending.filter(function (t) { return !trackStale(t, p); });
    var quiet = pending.filter(function (t) { return trackStale(t, p); });
    var rows = quiet.length ? fresh.concat([{ id: "stale-heading", heading: quiet.length }], quiet) : fresh;
    fill("tracks", rows, function (li, t) {
      if (t.heading) {
        li.className = "subhead";
        li.removeAttribute("data-id");
        li.removeAttribute("data-kind");
        li.textContent = say("cx_stale_tracks", { n: ltr(t.heading) });
        return;
      }
      var stale = trackStale(t, p);
      if (stale) li.classList.add("stale");
      var said = esc([trackCount(t), mobilityText(t.mobility)].filter(Boolean).join(" · "));
      var what = said + " " + esc(trackConfidence(t));
      var age = ltr(ageMin(t.last_seen, p));
      var reports = t.sightings != null ? " · " + esc(say("n_sightings", { n: ltr(t.sightings) })) : "";
      // A stale one leads with its age; what it said then follows, smaller.
      li.innerHTML = stale ? "<b>" + esc(say("cx_last_seen", { m: age })) + '</b><div class="t">' + what + reports + "</div>"
        : "<b>" + said + "</b> " + esc(trackConfidence(t)) + '<div class="t">' + esc(say("min_ago", { m: age })) + reports + "</div>";
      actButton(li, say("confirm"), function (b) { run(ENDPOINTS.confirmTrack(idOf(t)), {}, b); }, "c");
      actButton(li, say("dismiss"), function (b) { run(ENDPOINTS.dismissTrack(idOf(t)), {}, b); }, "d");
    }, { count: quiet.length ? say("cx_fresh_and_stale", { n: ltr(fresh.length), s: ltr(quiet.length) }) : null });
  }

  // People, injured and children at a call; at an incident with several callers a range when
  // they differ ("people 4–9"): the largest report, and the callers' reports added up.
  function between(low, high) { return ltr(high != null && high > low ? low + "–" + high : low); }
  function sosLine(s) {
    return say("sos_line", { people: between(s.people, s.people_high), injured: between(s.injured, s.injured_high), children: between(s.children, s.children_high) });
  }
  function ranged(i) { return i.people_high > i.people || i.injured_high > i.injured || i.children_high > i.children; }

  function sosScore(s) {
    // Without the incidents engine's ranking: the injured first, then children, silence, size.
    return Math.min(s.injured, 5) * 4 + Math.min(s.children, 5) * 2 + (s.silent ? 3 : 0) + Math.min(s.people, 20) * 0.5;
  }

  // Why an incident ranks where it does, in the console's language from the reasons' facts
  // (the English `reasons` from a server that gives none). Numbers isolated left to right.
  function incidentReasons(i) {
    if (!i.reason_facts) return i.reasons || [];
    return i.reason_facts.map(function (f) {
      return say("reason_" + f.code, { n: f.n == null ? "" : "\u2066" + f.n + "\u2069" });
    });
  }

  function drawIncidents(p) {
    var incidents = p.incidents;
    var sos = p.sos || [];
    sos.forEach(function (s) {
      var m = L.circleMarker([s.lat, s.lon], {
        radius: 8, color: s.silent ? "#000" : "#fff", weight: s.silent ? 3 : 2, fillColor: "#b00020", fillOpacity: 0.95,
        className: "mk mk-sos sos-" + cls(s.id)
      });
      m.bindTooltip(esc("SOS · " + sosLine(s) + (s.silent ? " · " + say("silent_word") : "") + " · " + say("min_ago", { m: ltr(ageMin(s.raised_at, p)) })) +
        (s.text ? " · <bdi>" + esc(s.text) + "</bdi>" : ""));
      m.addTo(layers.incidents);
      markers["incidents:" + s.id] = m;
    });
    if (incidents) {
      var open = incidents.filter(function (i) { return i.open !== false; });
      open.sort(function (a, b) { return (b.priority || 0) - (a.priority || 0); });
      open.forEach(function (i) { if (!markers["incidents:" + idOf(i)] && i.lat != null) markers["incidents:" + idOf(i)] = L.circleMarker([i.lat, i.lon], { radius: 10, color: "#b00020", fill: false }).addTo(layers.incidents); });
      fill("incidents", open, function (li, i) {
        li.className = i.urgency === "critical" ? "p1" : i.urgency === "high" ? "p2" : "p3";
        // The urgency in words; the score it comes from orders the list and is in the title
        // ("Critical 28" read as 28 of something).
        li.title = [i.priority != null ? say("cx_priority_score", { n: Math.round(i.priority) }) : "", ranged(i) ? say("cx_counts_range") : ""]
          .filter(Boolean).join("\n");
        li.innerHTML = "<b>" + esc(i.urgency ? say("urgency_" + i.urgency) : "") + "</b> · " +
          esc(sosLine(i)) + (i.silent ? " · <b>" + esc(say("silent_word")) + "</b>" : "") +
          '<div class="t">' + esc(incidentReasons(i).join(" · ")) + "</div>";
      }, { always: true, title: say("incidents") });
      cueNew(open, p);
      return;
    }
    var queue = sos.slice().sort(function (a, b) { return sosScore(b) - sosScore(a) || new Date(a.raised_at) - new Date(b.raised_at); });
    fill("incidents", queue, function (li, s) {
      var score = sosScore(s);
      li.className = score >= 12 ? "p1" : score >= 5 ? "p2" : "p3";
      li.innerHTML = "<b>SOS</b> " + esc(sosLine(s)) + (s.silent ? " · <b>" + esc(say("silent_word")) + "</b>" : "") +
        (s.text ? " <bdi>" + esc(s.text) + "</bdi>" : "") + '<div class="t">' + esc(M.hhmmss(s.raised_at)) + " · " + esc(say("min_ago", { m: ageMin(s.raised_at, p) })) + " · " + esc(say("tier_" + s.tier)) + "</div>";
    }, { always: true, title: say("sos_calls") });
    cueNew(queue, p);
  }

  /* A call that was not there before is marked in its row for CUE_MS (outlined, "new"), and
     counted in the page's title ("(2) SOS · …") until the operator is seen to be at the
     console (a key, a press). The calls there when the console opened are not new. */
  var CUE_MS = 10000;
  var knownCalls = null, cuedAt = {}, unseen = 0, baseTitle = document.title;
  function cueNew(list, p) {
    if (p.replay || mode !== "live") return;
    var first = knownCalls === null;
    if (first) knownCalls = {};
    var now = Date.now();
    list.forEach(function (x) {
      var id = String(idOf(x));
      if (knownCalls[id]) return;
      knownCalls[id] = true;
      if (first) return;
      cuedAt[id] = now;
      unseen++;
      setTimeout(function () { delete cuedAt[id]; markCued(); }, CUE_MS);
    });
    markCued();
    titleCount();
  }
  function markCued() {
    var rows = document.querySelectorAll('[data-panel="incidents"] li[data-id]');
    Array.prototype.forEach.call(rows, function (li) {
      var on = byId(cuedAt, li.dataset.id) !== undefined;
      if (li.classList.contains("cue") !== on) li.classList.toggle("cue", on);
      var tag = li.querySelector(".cue-tag");
      if (on && !tag) {
        tag = document.createElement("span");
        tag.className = "cue-tag";
        tag.textContent = say("cx_new");
        li.insertBefore(tag, li.firstChild);
      } else if (!on && tag) tag.remove();
    });
  }
  function titleCount() {
    var t = unseen ? "(" + unseen + ") " + say("cx_title_sos") + " · " + baseTitle : baseTitle;
    if (document.title !== t) document.title = t;
  }
  function seenAll() { if (unseen) { unseen = 0; titleCount(); } }
  ["pointerdown", "keydown"].forEach(function (k) { document.addEventListener(k, seenAll, true); });

  // The street route of each responder on the way to an assignment, as dispatch computed it
  // (around danger areas): solid once they acknowledged, dashed while only assigned.
  var ROUTE_COLOUR = "#1f6feb";
  // Above the town's canvas (which would take their pointer events), below the markers.
  map.createPane("routes").style.zIndex = 450;
  function routeLine(route, style) {
    return L.geoJSON(route, { pane: "routes", style: Object.assign({ color: ROUTE_COLOUR, weight: 4, opacity: 0.85 }, style) });
  }
  function routeMinutes(route) { return say("travel_min", { m: Math.max(1, Math.ceil(route.properties.travel_s / 60)) }); }
  function drawRoutes(assignments) {
    var who = index(shown).responders;
    assignments.forEach(function (a) {
      if (!a.route || !a.route.geometry || a.active === false) return;
      var line = routeLine(a.route, { dashArray: a.status === "assigned" ? "8 6" : null, className: "mk mk-route route-" + cls(a.id) });
      var unit = byId(who, a.responder_id);
      line.bindTooltip((unit ? unitName(unit) + " → " : "") +
        targetLabel(a.target) + " · " + routeMinutes(a.route));
      line.addTo(layers.routes);
      markers["assignments:" + a.id] = line;
    });
  }

  // A recommendation picked in its queue shows the route it proposes, before anyone accepts.
  var preview = null, previewFor = null;
  function clearPreview() {
    if (preview) { map.removeLayer(preview); preview = null; }
    previewFor = null;
  }
  function previewRecommendation(id) {
    if (previewFor === id) return;
    clearPreview();
    previewFor = id;
    M.api("GET", "/api/v1/dispatch/recommendations/" + encodeURIComponent(id)).then(function (r) {
      if (previewFor !== id || mode !== "live" || !r.ok || !r.json.route) return;
      preview = routeLine(r.json.route, { color: "#6f42c1", dashArray: "2 8", weight: 5, className: "mk mk-route-preview" })
        .bindTooltip(routeMinutes(r.json.route)).addTo(map);
    }, function () { /* the next pick tries again */ });
  }

  var STATUS_LETTER = { available: "A", en_route: "→", on_scene: "S", engaged: "!", wounded: "+", needs_ammunition: "a", needs_medical_kit: "m", off_duty: "–" };
  function assignmentOf(p, responderId) { return byId(index(p).activeOf, responderId); }

  // Who needs help first (wounded, engaged, out of ammunition or kit), then who can be sent,
  // then who is busy, then who is off duty; by call sign within each.
  var RESPONDER_ORDER = { wounded: 0, engaged: 1, needs_ammunition: 2, needs_medical_kit: 2, available: 3, en_route: 4, on_scene: 4, off_duty: 6 };
  function responderRank(r) {
    var rank = byId(RESPONDER_ORDER, r.status);
    if (rank === undefined) rank = 5;
    if (rank === 3 && assignmentOf(shown || {}, r.id)) rank = 4;  // available, yet on a task
    return rank;
  }
  function sortResponders(items) {
    return items.map(function (r, i) { return { r: r, i: i, k: responderRank(r), n: r.callsign || "" }; })
      .sort(function (a, b) {
        return a.k - b.k || a.n.localeCompare(b.n, LANG, { numeric: true }) || a.i - b.i;
      }).map(function (x) { return x.r; });
  }

  function drawResponders(items) {
    items.forEach(function (r) {
      if (r.lat == null) return;
      var icon = L.divIcon({ html: '<div class="rsp st-' + esc(r.status) + '">' + (STATUS_LETTER[r.status] || "?") + "</div>", className: "mk mk-responder", iconSize: [22, 22], iconAnchor: [11, 11] });
      var m = L.marker([r.lat, r.lon], { icon: icon, keyboard: false }).addTo(layers.responders);
      m.bindTooltip(esc([unitName(r), r.callsign ? say("kind_" + r.kind) : "", say("st_" + r.status)].filter(Boolean).join(" · ")) + (r.radio_channel ? " · " + esc(say("cx_radio", { ch: own(r.radio_channel) })) : ""));
      markers["responders:" + r.id] = m;
    });
    fill("responders", sortResponders(items), function (li, r) {
      li.className = r.status === "wounded" || r.status === "engaged" ? "p1" : (r.status || "").indexOf("needs") === 0 ? "p2" : "";
      var a = assignmentOf(shown || {}, r.id);
      li.innerHTML = "<b>" + esc(unitName(r)) + "</b> · " + esc(say("st_" + r.status)) + (r.callsign ? " · " + esc(say("kind_" + r.kind)) : "") +
        (a ? " → " + esc(targetLabel(a.target, say("asg_" + a.status))) : "") +
        '<div class="t">' + esc([r.capabilities.map(function (c) { return say("cap_" + c); }).join(say("dx_list")), r.where_at ? M.hhmmss(r.where_at) : ""].filter(Boolean).join(" · ")) + "</div>";
    }, { always: true });
  }

  /* --- the people boards: live only (they are reads of their own, not the picture's) ------- */

  // The casualties still in care, with the fields a board lists: the server filters, so a
  // refresh costs the open casualties, not every one ever recorded. Each answer carries an
  // ETag and "no-cache": the browser asks again with it (If-None-Match) and an unchanged
  // answer is a 304 with no body that fetch answers from the copy it holds.
  var CASUALTY_BOARD = "/api/v1/casualties?status=open&view=summary";
  var boards = { casualties: null, hospitals: null, registry: null };
  var hospitalsById = {};  // the hospitals board by id, made when it comes
  var boardsAt = 0, boardsTimer = null;
  function loadBoards() {
    var wait = 1500 - (Date.now() - boardsAt);
    if (wait > 0) {
      if (!boardsTimer) boardsTimer = setTimeout(function () { boardsTimer = null; loadBoards(); }, wait);
      return;
    }
    boardsAt = Date.now();
    var calls = [];
    if (SEES_CASUALTIES) {
      calls.push(M.api("GET", CASUALTY_BOARD).then(function (r) { boards.casualties = r.ok ? r.json : null; }));
      calls.push(M.api("GET", "/api/v1/hospitals").then(function (r) {
        boards.hospitals = r.ok ? r.json : null;
        hospitalsById = {};
        (boards.hospitals || []).forEach(function (h) { if (!byId(hospitalsById, h.id)) hospitalsById[h.id] = h; });
      }));
    }
    if (SEES_REGISTRY) {
      calls.push(M.api("GET", "/api/v1/persons/board?lang=" + encodeURIComponent(LANG)).then(function (r) { boards.registry = r.ok ? r.json : null; }));
    }
    Promise.all(calls).then(drawBoards, function () { /* the next refresh tries again */ });
  }

  // The boards change with the clock too (a tourniquet passing two hours is a warning with no
  // event in the log): asked again each minute, which costs a 304 while nothing changed.
  if (SEES_CASUALTIES || SEES_REGISTRY) setInterval(function () { if (mode === "live") loadBoards(); }, 60000);

  function drawBoards() {
    layers.casualties.clearLayers();
    layers.hospitals.clearLayers();
    // A replayed picture is the log's; these boards are now's: never mix the two.
    var live = mode === "live";
    drawCasualties(live ? boards.casualties : null);
    drawHospitals(live ? boards.hospitals : null);
    drawReunification(live ? boards.registry : null);
  }

  var TRIAGE_ORDER = { immediate: 0, delayed: 1, minor: 2, expectant: 3 };
  var TRIAGE_COLOUR = { immediate: "#b00020", delayed: "#e0b000", minor: "#1b6e2a", expectant: "#000" };
  function drawCasualties(items) {
    if (!items) { fill("casualties", null); return; }
    var open = items;  // neither discharged nor dead (CASUALTY_BOARD)
    open.forEach(function (c) {
      if (c.lat == null || c.status !== "at_scene") return;
      L.circleMarker([c.lat, c.lon], {
        radius: 6, color: "#fff", weight: 1.5, fillColor: TRIAGE_COLOUR[c.category] || "#6f42c1", fillOpacity: 0.95,
        className: "mk mk-casualty cas-" + cls(c.id)
      }).bindTooltip("<bdi>" + esc(c.tag) + "</bdi> · " + esc(categoryText(c.category))).addTo(layers.casualties);
    });
    var sorted = open.slice().sort(function (a, b) {
      return ((TRIAGE_ORDER[a.category] != null ? TRIAGE_ORDER[a.category] : 9) - (TRIAGE_ORDER[b.category] != null ? TRIAGE_ORDER[b.category] : 9)) ||
        new Date(a.found_at) - new Date(b.found_at);
    });
    fill("casualties", sorted, function (li, c) {
      li.className = c.category === "immediate" ? "p1" : c.category === "delayed" ? "p2" : "p3";
      var where = hospitalName(c.hospital_id || c.destination);
      // On the way to a hospital that asked ambulances to go elsewhere or is locked down:
      // said on the row, so the dispatcher can redirect the crew.
      var h = c.status === "evacuated" && c.destination ? byId(hospitalsById, c.destination) : null;
      var barred = h ? hospitalBars(h) : [];
      if (barred.length) li.className += " dest-barred";
      li.innerHTML = "<b><bdi>" + esc(c.tag) + "</bdi></b> " + esc(categoryText(c.category)) + " · " + esc(say("hospital_st_" + c.status)) +
        (where ? " → <bdi>" + esc(where) + "</bdi>" : "") +
        (barred.length ? '<div class="dest-warn" data-dest-warning>⚠ ' + esc(say("cx_dest_warn", { name: own(where), what: barred.join(say("dx_sep")) })) + "</div>" : "") +
        '<div class="t">' + esc(M.hhmmss(c.found_at)) + (c.warnings && c.warnings.length ? " · ⚠ " + esc(c.warnings.map(warningText).join(say("dx_sep"))) : "") + "</div>";
    });
  }

  // A hospital by its name from the hospitals board, in the console's language where it has
  // one (its id until that board has come).
  function hospitalName(id) {
    if (!id) return id;
    var found = byId(hospitalsById, id);
    return (found && named(found)) || id;
  }

  function categoryText(cat) { return cat ? say("cx_triage_" + cat) : say("cx_untriaged"); }
  // A warning in the console's words from its kind and since when (the server's sentence is
  // English): a tourniquet on for over two hours, how long.
  function warningText(w) {
    if (w.kind === "tourniquet_over_2h" && w.since) {
      var min = M.minutesSince(w.since);
      return say("cx_tourniquet", { t: M.hhmmss(w.since).slice(0, 5), h: ltr(Math.floor(min / 60)), m: ltr(("0" + (min % 60)).slice(-2)) });
    }
    return say("cx_warning");
  }

  /* Hospitals: what each said of itself (EDXL-HAVE sections), how old that is, and who is on
     the way. A report older than the recommender's own limit (hos.DestinationPolicy
     .stale_after, given by the page: stale_after_min) is said stale and never drawn as open;
     no report is "not known". */
  var STALE_STATUS_MS = CFG.stale_after_min * 60 * 1000;
  var BARRED_EMS = { Closed: 1 }, BARRED_FACILITY = { Closed: 1, Evacuating: 1 }, BARRED_SECURITY = { Lockdown: 1, Quarantine: 1 };
  // What keeps ambulances from a hospital now, in the console's words (none: it may take them).
  function hospitalBars(h) {
    var s = h.status || {}, out = [];
    if (BARRED_EMS[s.ems_traffic]) out.push(say("cx_h_amb_" + s.ems_traffic));
    if (BARRED_FACILITY[s.facility]) out.push(say("cx_h_fac_" + s.facility));
    if (BARRED_SECURITY[s.security]) out.push(say("cx_h_sec_" + s.security));
    return out;
  }
  /* A hospital as the console reads it at `now` (ms, the server's clock), judged once per
     drawing so that its marker, its row and its place in the list agree:
     fresh: "fresh", "stale" or "none", whether its status can be read as its state now;
     rank: 0 barred (closed, lockdown), 1 not known (no report, stale), 2 limited, 3 open. */
  function hospitalLook(h, now) {
    var fresh = !h.status_at ? "none" : now - new Date(h.status_at).getTime() > STALE_STATUS_MS ? "stale" : "fresh";
    var s = h.status || {}, rank;
    if (hospitalBars(h).length) rank = 0;
    else if (fresh !== "fresh") rank = 1;
    else rank = s.ems_traffic === "Normal" && (!s.security || s.security === "Normal") && (!s.facility || s.facility === "Normal") ? 3 : 2;
    return { h: h, fresh: fresh, rank: rank, now: now };
  }
  function ageText(iso, now) {
    var s = Math.max(0, Math.round((now - new Date(iso).getTime()) / 1000));
    if (s < 3600) return duration(s < 60 ? s : s - s % 60);  // whole minutes past the first
    var min = Math.floor(s / 60);
    return say("cx_age_h", { h: ltr(Math.floor(min / 60)), m: ltr(("0" + (min % 60)).slice(-2)) });
  }
  var INCOMING_ORDER = ["immediate", "delayed", "minor", "expectant", "untriaged"];
  // The hospital's status as chips: its ambulance status (or that it said none), its building
  // and security when not normal, the age of the report.
  function hospitalChips(look) {
    var s = look.h.status || {}, chips = [];
    var bars = BARRED_EMS[s.ems_traffic] ? "bad" : s.ems_traffic === "Normal" ? "ok" : "warn";
    if (look.fresh !== "fresh" && bars !== "bad") bars = "unknown";  // an old "open" is not open
    chips.push([bars, s.ems_traffic ? say("cx_h_amb_" + s.ems_traffic) : say("cx_h_amb_unknown")]);
    if (s.facility && s.facility !== "Normal") chips.push([BARRED_FACILITY[s.facility] ? "bad" : "warn", say("cx_h_fac_" + s.facility)]);
    if (s.security && s.security !== "Normal") chips.push([BARRED_SECURITY[s.security] ? "bad" : "warn", say("cx_h_sec_" + s.security)]);
    if (s.clinical === "Full") chips.push(["warn", say("cx_h_full")]);
    return chips;
  }
  function incomingText(h) {
    var by = h.incoming_by_category || {};
    var parts = INCOMING_ORDER.filter(function (k) { return by[k]; }).map(function (k) { return say("cx_h_in_" + k, { n: ltr(by[k]) }); });
    return parts.length ? say("cx_h_incoming", { list: parts.join(say("dx_sep")) }) : say("cx_h_none_incoming");
  }
  function reportText(look) {
    var h = look.h;
    if (look.fresh === "none") return say("cx_h_no_report");
    return say(look.fresh === "stale" ? "cx_h_stale" : "cx_h_reported", { age: ageText(h.status_at, look.now), t: ltr(M.hhmmss(h.status_at).slice(0, 5)) });
  }
  var HOSPITAL_LOOK = ["barred", "unknown", "limited", "open"];
  function drawHospitals(items) {
    if (!items) { fill("hospitals", null); return; }
    var now = serverNow();
    var looks = items.map(function (h) { return hospitalLook(h, now); });
    looks.forEach(function (look) {
      var h = look.h;
      if (h.lat == null) return;
      var icon = L.divIcon({ html: '<div class="rsp hosp-' + HOSPITAL_LOOK[look.rank] + '">H</div>', className: "mk mk-hospital", iconSize: [22, 22] });
      var chips = hospitalChips(look).map(function (c) { return c[1]; });
      // Lines by "\n" (the tooltip keeps them: .hosp-tip), the name and the reason isolated.
      var why = h.status && h.status.ems_traffic_reason ? "\n" + esc(say("cx_h_reason", { r: own(h.status.ems_traffic_reason) })) : "";
      markers["hospitals:" + h.id] = L.marker([h.lat, h.lon], { icon: icon, keyboard: false })
        .bindTooltip("<bdi>" + esc(named(h)) + "</bdi> · " + esc(chips.join(say("dx_sep"))) + why +
          "\n" + esc(reportText(look)) +
          "\n" + esc(incomingText(h)) + " · " + esc(say("cx_h_present", { arrived: ltr(h.arrived || 0), admitted: ltr(h.admitted || 0) })),
          { className: "hosp-tip" })
        .addTo(layers.hospitals);
    });
    looks.sort(function (a, b) {
      return (a.rank - b.rank) || named(a.h).localeCompare(named(b.h), LANG);
    });
    var lookOf = new Map(looks.map(function (look) { return [look.h, look]; }));
    fill("hospitals", looks.map(function (look) { return look.h; }), function (li, h) {
      var look = lookOf.get(h), rank = look.rank;
      li.className = "hosp" + (rank === 0 ? " p1" : rank === 1 ? " stale-status" : rank === 2 ? " p3" : "");
      li.dataset.state = rank === 1 ? look.fresh : HOSPITAL_LOOK[rank];
      var reason = h.status && h.status.ems_traffic_reason;
      li.innerHTML = "<b><bdi>" + esc(named(h)) + "</bdi></b> " +
        hospitalChips(look).map(function (c) { return '<span class="chip ' + c[0] + '">' + esc(c[1]) + "</span>"; }).join(" ") +
        (reason ? '<div class="why">' + esc(say("cx_h_reason", { r: own(reason) })) + "</div>" : "") +
        '<div class="load">' + esc(incomingText(h)) + " · " + esc(say("cx_h_present", { arrived: ltr(h.arrived || 0), admitted: ltr(h.admitted || 0) })) + "</div>" +
        '<div class="t' + (look.fresh === "fresh" ? "" : " stale-note") + '" data-age>' + esc(reportText(look)) + "</div>";
    });
  }

  function drawReunification(board) {
    if (!board) { fill("reunification", null); return; }
    var proposed = (board.matches || []).filter(function (m) { return m.status === "proposed"; });
    proposed.sort(function (a, b) { return b.score - a.score; });
    var searching = board.counts ? board.counts.reports.searching : 0;  // the board counts reports
    fill("reunification", proposed, function (li, m) {
      // The matcher's reasons in the console's language (the English paragraph for a match
      // proposed before proposals carried their evidence).
      var said = (board.reasons || {})[m.match_id];
      var why = said && said.length ? said.map(function (r) { return r.text; }).join(say("dx_sep")) : m.explanation;
      var report = (board.reports || {})[m.report_id];
      var cand = m.candidate_kind === "survivor" ? (board.survivors || {})[m.candidate_id] :
        m.candidate_kind === "casualty" ? (board.casualties || {})[m.candidate_id] : (board.reports || {})[m.candidate_id];
      li.innerHTML = "<b>" + ltr(Math.round(m.score * 100) + "%") + "</b> " + personText(report) + " ↔ " +
        esc(say("cx_cand_" + m.candidate_kind)) + " " + candidateText(m.candidate_kind, cand) +
        '<div class="t">' + esc(why) + "</div>";
      // Deciding is the registry desk's: confirming writes the words the family will read,
      // and a dismissal says why. The console only points there.
      if (DECIDES_MATCHES && mode === "live") {
        var acts = document.createElement("div");
        acts.className = "acts";
        var a = document.createElement("a");
        a.className = "tolink";
        a.href = "/registry?lang=" + encodeURIComponent(LANG) + "#match-" + encodeURIComponent(m.match_id);
        a.textContent = say("cx_to_registry");
        a.dataset.registry = m.match_id;
        acts.appendChild(a);
        li.appendChild(acts);
      }
    }, { always: true });
    var count = panel("reunification").querySelector("[data-count]");
    count.textContent = (board.counts ? board.counts.matches.proposed : proposed.length) + " / " + searching;
  }

  // A person as the registry board names them: their name, else "no name" (a report always
  // has one; a survivor or a casualty may not yet).
  function nameOf(card) {
    var n = card && (card.identified_name || card.name);
    return n && n.full_name ? n.full_name : "";
  }
  function personText(card) {
    var n = nameOf(card);
    return n ? "<bdi>" + esc(n) + "</bdi>" : esc(say("cx_no_name"));
  }
  // A casualty by the tag on them, and their name when known.
  function candidateText(kind, card) {
    if (!card) return esc(say("cx_no_name"));
    if (kind !== "casualty") return personText(card);
    var n = nameOf(card);
    return (card.tag ? '<b dir="ltr"><bdi>' + esc(card.tag) + "</bdi></b>" : "") + (n ? " <bdi>" + esc(n) + "</bdi>" : card.tag ? "" : esc(say("cx_no_name")));
  }

  // What an assignment or a recommendation is for ("threat", "incident"), and after it a
  // detail (how far along, which one).
  function targetLabel(t, detail) {
    var kind = t && (t.kind || t);
    if (kind === "responder") {  // a wounded colleague, by the call sign the radio knows
      var hit = t.id && shown ? byId(index(shown).responders, t.id) : null;
      return say("target_responder") + (hit ? " " + unitName(hit) : "") + (detail ? " · " + detail : "");
    }
    return say(kind === "track" ? "target_track" : "target_incident") + (detail ? " · " + detail : "");
  }

  /* Dispatch's sentences said from their facts in the console's language (the API's English
     sentences are for other clients). Numbers and ids are isolated left to right, a danger
     area's title in its own direction, so they read right inside Arabic and Hebrew. */
  function ltr(s) { return "\u2066" + s + "\u2069"; }
  function own(s) { return "\u2068" + s + "\u2069"; }
  // A responder as the dispatcher calls them on the radio: the callsign they checked in with,
  // else their kind ("Police on duty"), as for a check-in logged before callsigns.
  function unitName(r) { return r && r.callsign ? own(r.callsign) : say("kind_" + ((r && r.kind) || "other")); }
  function duration(seconds) {  // as dispatch.assign.duration: '45 s', '2 min 10 s', '12 min'
    var s = Math.max(0, Math.round(seconds));
    if (s < 60) return say("dx_dur_s", { s: ltr(s) });
    var m = Math.floor(s / 60), rest = s % 60;
    if (m >= 10 || rest === 0) return say("dx_dur_min", { m: ltr(Math.round(s / 60)) });
    return say("dx_dur_min_s", { m: ltr(m), s: ltr(rest) });
  }
  function factText(f) {
    if (!f || !f.code) return "";
    if (f.n == null && (f.code === "armed_attackers" || f.code === "attackers")) return say("fact_" + f.code + "_unknown");
    return say("fact_" + f.code, { n: f.n == null ? "" : ltr(f.n) });
  }
  // What a recommendation or an unmet need is for, from its task's facts.
  function taskText(target, facts) {
    var kind = target && target.kind === "track" ? say("target_track")
      : target && target.kind === "responder" ? targetLabel(target) : say("dx_task_sos");
    var said = (facts || []).map(factText).filter(Boolean);
    return said.length ? say("dx_task", { task: kind, facts: said.join(say("dx_list")) }) : kind;
  }
  function needWho(requires) {
    var armed = (requires || []).indexOf("armed") >= 0, medic = (requires || []).indexOf("medic") >= 0;
    return say(armed && medic ? "need_armed_medic" : armed ? "need_armed" : medic ? "need_medic" : "need_any");
  }
  // Danger areas by their titles; a threat no area is declared around yet (dispatch closes
  // streets round it as `undeclared:<track>`) by its group of attackers, never an id.
  var UNDECLARED = "undeclared:";
  function areaTitles(ids) {
    var ix = index(shown);
    return ids.map(function (id) {
      if (id.indexOf(UNDECLARED) === 0) {
        var t = byId(ix.tracks, id.slice(UNDECLARED.length));
        return say("dx_undeclared_threat", { group: t ? trackCount(t) : say("target_track") });
      }
      var d = byId(ix.danger, id);
      return d && d.title ? own(d.title[LANG] || d.title.en) : ltr(id);
    }).join(say("dx_list"));
  }
  function recommendationWhy(r) {
    var requires = (r.need && r.need.requires) || [];
    var caps = [];
    if (requires.indexOf("armed") >= 0) caps.push(say("cap_armed"));
    if (requires.indexOf("medic") >= 0 && r.responder_kind !== "medic") caps.push(say("cap_medic"));
    var who = say("kind_" + (r.responder_kind || "other"));
    if (caps.length) who = say("dx_who_caps", { who: who, caps: caps.join(say("dx_list")) });
    var head = (r.nearest ? say("dx_nearest", { who: who }) : who) + say("dx_list") +
      say(r.mode === "by_car" ? "dx_by_car" : "dx_on_foot", { t: duration(r.travel_s || 0) });
    var nearer = r.nearer_needed_elsewhere || 0;
    if (!r.nearest && nearer) head += " (" + (nearer === 1 ? say("dx_nearer_one") : say("dx_nearer_n", { n: ltr(nearer) })) + ")";
    var parts = [head];
    var need = factText(r.need && r.need.fact);
    if (need) parts.push(need);
    // A medic sent in with an armed escort, or to armed responders on scene beside the
    // wounded, enters to reach the wounded, not the threat.
    var code = r.need && r.need.fact && r.need.fact.code;
    var escorted = code === "armed_escort" || code === "armed_cover_on_scene";
    ["leaves", "avoids", "enters"].forEach(function (k) {
      var key = k === "enters" && escorted ? "dx_enters_escorted" : "dx_" + k;
      if (r[k] && r[k].length) parts.push(say(key, { areas: areaTitles(r[k]) }));
    });
    return parts.join(say("dx_sep"));
  }

  function drawRecommendations(recs) {
    if (!recs) { fill("recommendations", null); return; }
    var items = Array.isArray(recs) ? recs : (recs.recommendations || []);
    var unmet = Array.isArray(recs) ? [] : (recs.unmet || []);
    var rows = items.concat(unmet.map(function (u) { return { id: "unmet-" + (u.target && u.target.id) + "-" + (u.need && u.need.index), unmet: u }; }));
    fill("recommendations", rows, function (li, r) {
      if (r.unmet) {
        var u = r.unmet;
        li.className = "p1";
        li.innerHTML = "<b>⚠ " + esc(taskText(u.target, u.task_facts)) + "</b>" + '<div class="t">' +
          esc(u.code ? say("unmet_" + u.code, { who: needWho(u.need && u.need.requires), t: duration(u.within_s || 0) }) : u.why) + "</div>";
        return;
      }
      li.className = r.priority >= 25 ? "p1" : r.priority >= 12 ? "p2" : "p3";
      var unit = byId(index(shown).responders, r.responder_id);
      li.innerHTML = "<b>" + esc(unit ? unitName(unit) : r.responder_kind ? say("kind_" + r.responder_kind) : ltr(r.responder_id)) + "</b> → " + esc(taskText(r.target, r.task_facts)) +
        '<div class="t">' + (r.travel_s != null ? esc(say("travel_min", { m: Math.max(1, Math.ceil(r.travel_s / 60)) })) + " · " : "") +
        esc(recommendationWhy(r)) + "</div>";
      actButton(li, say("accept"), function (b) {
        run(ENDPOINTS.assign(), { responder_id: r.responder_id, recommendation_id: r.id }, b);
      }, "a");
      // Another responder for a wounded colleague is not an override the API can name (it
      // assigns to incidents and tracks): accept, or let the next recommendation come.
      var b = r.target && r.target.kind === "responder" ? null : actButton(li, say("override"), function (b) { overrideForm(li, r, b); });
      // The queue is drawn again with every event: an override being filled in stays open,
      // with what was chosen and typed (and the cursor), instead of vanishing under the hand.
      if (b && overriding && overriding.id === r.id) overrideForm(li, r, b);
    });
  }

  function targetPlace(t) {
    if (!t || !shown) return null;
    var ix = index(shown);
    var hit = byId(t.kind === "track" ? ix.tracks : t.kind === "responder" ? ix.responders : ix.incidents, t.id);
    return hit && hit.lat != null ? hit : null;
  }
  function metres(a, b) {
    var k = Math.PI / 180, dLat = (b.lat - a.lat) * k, dLon = (b.lon - a.lon) * k * Math.cos(a.lat * k);
    return 6371000 * Math.sqrt(dLat * dLat + dLon * dLon);
  }
  // How far a point lies outside an area (0 inside it): a circle's edge, or a polygon's
  // nearest side (its ring of [lon, lat], on a local flat plane: a danger area spans a few km).
  function metresOutside(a, p) {
    if (!a || p.lat == null || p.lon == null) return Infinity;
    if (a.kind === "circle") return Math.max(0, metres(a, p) - a.radius_m);
    if (a.kind !== "polygon" || !a.ring || !a.ring.length) return Infinity;
    var k = Math.PI / 180 * 6371000, c = Math.cos(p.lat * Math.PI / 180);
    var xy = a.ring.map(function (q) { return [(q[0] - p.lon) * k * c, (q[1] - p.lat) * k]; });
    var inside = false, least = Infinity;
    for (var i = 0, j = xy.length - 1; i < xy.length; j = i++) {
      var x1 = xy[j][0], y1 = xy[j][1], x2 = xy[i][0], y2 = xy[i][1];
      if ((y1 > 0) !== (y2 > 0) && 0 < x1 + (0 - y1) * (x2 - x1) / (y2 - y1)) inside = !inside;
      var dx = x2 - x1, dy = y2 - y1, len = dx * dx + dy * dy;
      var f = len ? Math.max(0, Math.min(1, -(x1 * dx + y1 * dy) / len)) : 0;
      least = Math.min(least, Math.hypot(x1 + f * dx, y1 + f * dy));
    }
    return inside ? 0 : least;
  }
  // The open groups (fresh or stale) inside an area or within NEAR_AREA_M of it, nearest its
  // centre first: what an area of armed attackers is drawn around, or was.
  var NEAR_AREA_M = 300;
  function areaCentre(a) {
    if (a.kind === "circle") return { lat: a.lat, lon: a.lon };
    var lat = 0, lon = 0;
    a.ring.forEach(function (q) { lon += q[0]; lat += q[1]; });
    return { lat: lat / a.ring.length, lon: lon / a.ring.length };
  }
  function openTracksNear(a) {
    if (!a) return [];
    var centre = areaCentre(a);
    return ((shown && shown.tracks) || [])
      .filter(function (t) { return trackOpen(t) && t.lat != null && metresOutside(a, t) <= NEAR_AREA_M; })
      .map(function (t) { return { t: t, m: metres(centre, t) }; })
      .sort(function (x, y) { return x.m - y.m; });
  }

  /* How fit a responder is to be sent now, and why not: rank 0 available; 1 otherwise free;
     2 allowed but warned (under fire, out of ammunition or kit); 3 refused by dispatch's rules
     (responder_wounded, responder_off_duty, responder_busy, responder_not_armed for a threat),
     listed disabled. */
  var WARNED = { engaged: "cx_unfit_engaged", needs_ammunition: "cx_unfit_needs", needs_medical_kit: "cx_unfit_needs" };
  function fitness(x, target) {
    if (x.status === "wounded") return { rank: 3, why: say("cx_unfit_wounded") };
    if (x.status === "off_duty") return { rank: 3, why: say("cx_unfit_off_duty") };
    if (assignmentOf(shown || {}, x.id)) return { rank: 3, why: say("cx_unfit_busy") };
    if (target && target.kind === "track" && (x.capabilities || []).indexOf("armed") < 0) return { rank: 3, why: say("cx_unfit_unarmed") };
    if (WARNED[x.status]) return { rank: 2, why: say(WARNED[x.status]) };
    return { rank: x.status === "available" ? 0 : 1, why: "" };
  }
  function drawingOf(li) {
    var c = li.cloneNode(true);
    c.classList.remove("sel");
    if (!c.className) c.removeAttribute("class");
    c.hidden = false;
    return c.outerHTML;
  }

  // Overriding: send another available responder to the same target, with a reason.
  var overriding = null;  // {id, responder, note, focus}: the override form open, if any
  function overrideForm(li, r, button) {
    if (li.querySelector("select")) return;
    if (!overriding || overriding.id !== r.id) overriding = { id: r.id, responder: "", note: "", focus: false };
    var state = overriding;
    var sel = document.createElement("select");
    // Those dispatch can send first (not wounded, not off duty, not on another assignment:
    // the rules responder_wounded, responder_off_duty, responder_busy refuse the others),
    // each told apart by how far it is from the target (straight line), nearest first; the
    // others after them, disabled, each saying why. Nothing chosen until the operator does.
    var target = targetPlace(r.target);
    var others = ((shown && shown.responders) || []).filter(function (x) { return x.id !== r.responder_id; })
      .map(function (x) { return { x: x, m: target && x.lat != null ? metres(target, x) : null, fit: fitness(x, r.target) }; });
    others.sort(function (a, b) {
      return a.fit.rank - b.fit.rank || (a.m == null ? 1e12 : a.m) - (b.m == null ? 1e12 : b.m);
    });
    var blank = document.createElement("option");
    blank.value = "";
    blank.textContent = say("cx_pick_responder");
    sel.appendChild(blank);
    others.forEach(function (it) {
      var x = it.x;
      var o = document.createElement("option");
      o.value = x.id;
      o.textContent = [unitName(x), x.callsign ? say("kind_" + x.kind) : "", say("st_" + x.status), it.m != null ? say("cx_distance", { n: ltr(Math.round(it.m / 10) * 10) }) : ""]
        .filter(Boolean).join(" · ") + (it.fit.why ? " — " + it.fit.why : "");
      o.dataset.rank = String(it.fit.rank);
      if (it.fit.rank === 3) { o.disabled = true; o.dataset.unfit = "1"; }
      else if (it.fit.rank === 2) o.dataset.warned = "1";
      sel.appendChild(o);
    });
    var note = document.createElement("input");
    note.placeholder = say("details");
    if (state.responder) sel.value = state.responder;
    note.value = state.note;
    sel.addEventListener("change", function () { state.responder = sel.value; });
    note.addEventListener("input", function () { state.note = note.value; });
    note.addEventListener("focus", function () { state.focus = true; });
    // Blurred by being drawn again (taken off the page) is not the operator leaving it.
    note.addEventListener("blur", function () { setTimeout(function () { if (note.isConnected) state.focus = false; }, 0); });
    var send = document.createElement("button");
    send.type = "button"; send.textContent = say("override");
    send.addEventListener("click", function () {
      if (!sel.value) return;
      var body = { responder_id: sel.value, note: note.value };
      body[r.target && r.target.kind === "track" ? "track_id" : "incident_id"] = r.target && r.target.id;
      run(ENDPOINTS.assign(), body, send).then(function (res) { if (res && res.ok && overriding === state) overriding = null; });
    });
    li.appendChild(sel); li.appendChild(note); li.appendChild(send);
    button.disabled = true;
    // Opened by hand in a row on the page: that row as the next redraw will draw it, so it
    // is kept (the select under the hand is not replaced by its copy).
    if (li._key) li._drawing = drawingOf(li);
    if (state.focus) note.dataset.refocus = "1";  // focused once the row is in the list (fill)
  }

  /* --- issuing from the map: right-click (or long press) to declare a danger area ----------- */

  var REASONS = ["armed_attackers", "hostage_situation", "suspicious_object", "impact_site", "fire", "hazardous_materials", "structural_collapse", "other"];
  var RADIUS = { low: 20, high: 5000 };
  var AROUND_LISTED = 8;  // the open groups offered to draw an area around, nearest first
  function labelled(words, field) {
    var l = document.createElement("label");
    l.className = "menu-field";
    var w = document.createElement("span");
    w.textContent = words;
    l.appendChild(w); l.appendChild(field);
    return l;
  }
  map.on("contextmenu", function (e) {
    if (READ_ONLY || mode !== "live") return;
    var div = document.createElement("div");
    div.className = "map-menu";
    var head = document.createElement("b");
    head.textContent = say("cx_menu_title");
    var sel = document.createElement("select");
    REASONS.forEach(function (r) { var o = document.createElement("option"); o.value = r; o.textContent = say("cx_reason_" + r); sel.appendChild(o); });
    var radius = document.createElement("input");
    radius.type = "number"; radius.value = "150"; radius.min = String(RADIUS.low); radius.max = String(RADIUS.high); radius.step = "10";
    radius.setAttribute("dir", "ltr");
    // An area of armed attackers names the open group it is drawn around: the one nearest
    // the place chosen, inside the area or near it, unless the dispatcher picks another or
    // none. Lifting it later asks twice while that group is not closed.
    var around = document.createElement("select");
    around.dataset.around = "1";
    var none = document.createElement("option");
    none.value = "";
    none.textContent = say("cx_menu_around_none");
    around.appendChild(none);
    var here = { lat: e.latlng.lat, lon: e.latlng.lng };
    var groups = ((shown && shown.tracks) || [])
      .filter(function (t) { return trackOpen(t) && t.lat != null; })
      .map(function (t) { return { t: t, m: metres(here, t) }; })
      .sort(function (x, y) { return x.m - y.m; })
      .slice(0, AROUND_LISTED);
    groups.forEach(function (g) {
      var o = document.createElement("option");
      o.value = idOf(g.t);
      var age = ltr(ageMin(g.t.last_seen, shown));
      o.textContent = [trackCount(g.t), say(trackStale(g.t, shown) ? "cx_last_seen" : "min_ago", { m: age }), say("cx_from_here", { n: ltr(Math.round(g.m / 10) * 10) })]
        .filter(Boolean).join(" · ");
      around.appendChild(o);
    });
    var picked = false;  // chosen by hand: kept whatever the radius
    around.addEventListener("change", function () { picked = true; });
    function preselect() {
      if (picked) return;
      var m = parseFloat(radius.value), a = { kind: "circle", lat: here.lat, lon: here.lon, radius_m: isFinite(m) ? m : 0 };
      var near = groups.filter(function (g) { return metresOutside(a, g.t) <= NEAR_AREA_M; })[0];
      around.value = near ? idOf(near.t) : "";
    }
    preselect();
    radius.addEventListener("input", preselect);
    var aroundField = labelled(say("cx_menu_around"), around);
    function showAround() { aroundField.hidden = sel.value !== "armed_attackers" || !groups.length; }
    showAround();
    sel.addEventListener("change", showAround);
    var said = document.createElement("p");
    said.className = "menu-error";
    said.setAttribute("role", "alert");
    said.hidden = true;
    function circle() {
      var m = parseFloat(radius.value);
      if (!isFinite(m) || m < RADIUS.low || m > RADIUS.high) {
        said.textContent = say("cx_menu_bad_radius", { low: ltr(RADIUS.low), high: ltr(RADIUS.high) });
        said.hidden = false;
        radius.focus();
        return null;
      }
      said.hidden = true;
      return { kind: "circle", lat: e.latlng.lat, lon: e.latlng.lng, radius_m: m };
    }
    // Sent, the menu closes; refused, it stays open with the reason in its own words.
    function send(path, body, button) {
      run(path, body, button).then(function (r) {
        if (r && r.ok) map.closePopup();
        else { said.textContent = errorWords(r); said.hidden = false; }
      });
    }
    var declare = document.createElement("button");
    declare.type = "button";
    declare.textContent = say("cx_menu_declare");
    declare.addEventListener("click", function () {
      var a = circle();
      if (!a) return;
      var body = { area: a, reason: sel.value };
      if (!aroundField.hidden && around.value) body.threat_id = around.value;
      send(ENDPOINTS.declareDanger(), body, declare);
    });
    var lock = document.createElement("button");
    lock.type = "button";
    lock.textContent = say("cx_menu_lock_in");
    lock.addEventListener("click", function () {
      var a = circle();
      // The reason chosen goes with it, in the operator's words (the order's reason is text).
      if (a) send(ENDPOINTS.issueOverride(), { action: "lock_in", area: a, reason: say("cx_reason_" + sel.value) }, lock);
    });
    var acts = document.createElement("div");
    acts.className = "menu-acts";
    acts.appendChild(declare); acts.appendChild(lock);
    div.appendChild(head);
    div.appendChild(labelled(say("cx_menu_reason"), sel));
    div.appendChild(labelled(say("cx_menu_radius"), radius));
    div.appendChild(aroundField);
    div.appendChild(acts);
    div.appendChild(said);
    L.popup({ minWidth: 220, maxWidth: 340 }).setLatLng(e.latlng).setContent(div).openOn(map);
  });

  var CATEGORIES = ["missiles", "hostile_aircraft_intrusion", "terrorist_infiltration", "unconventional_missile", "earthquake", "tsunami", "hazardous_materials", "radiological_event", "early_warning"];
  function fillAlertForm() {
    var box = document.querySelector("[data-issue-alert]");
    if (!box || READ_ONLY || !zones.length) return;
    var form = box.querySelector("form");
    var cat = form.elements.category;
    CATEGORIES.forEach(function (c) { var o = document.createElement("option"); o.value = c; o.textContent = say("cx_cat_" + c); cat.appendChild(o); });
    zones.forEach(function (z) { var o = document.createElement("option"); o.value = z.id; o.textContent = named(z); form.elements.zones.appendChild(o); });
    box.hidden = false;
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var chosen = Array.prototype.filter.call(form.elements.zones.options, function (o) { return o.selected; }).map(function (o) { return o.value; });
      if (!chosen.length) { toast(say("cx_choose_zones")); return; }
      run(ENDPOINTS.issueAlert(), { category: cat.value, zone_ids: chosen, drill: form.elements.drill.checked }, form.querySelector("button"));
    });
  }

  /* --- selection, search, keyboard -------------------------------------------------------- */

  var selected = null;  // {kind, id}
  function items() { return Array.prototype.slice.call(document.querySelectorAll("#panels section:not([hidden]) li[data-id]:not([hidden])")); }
  function select(li) {
    var old = document.querySelector("#panels li.sel");
    if (old) old.classList.remove("sel");
    if (!li) { selected = null; clearPreview(); return; }
    li.classList.add("sel");
    li.scrollIntoView({ block: "nearest" });
    selected = { kind: li.dataset.kind, id: li.dataset.id };
    if (li.dataset.kind === "recommendations" && mode === "live" && li.dataset.id.indexOf("unmet-") !== 0) previewRecommendation(li.dataset.id);
    else clearPreview();
  }
  function restoreSelection() {
    if (!selected) return;
    var li = document.querySelector('#panels li[data-kind="' + selected.kind + '"][data-id="' + CSS.escape(selected.id) + '"]');
    if (li) li.classList.add("sel"); else { selected = null; clearPreview(); }
  }
  function focusOn(li) {
    var m = markers[li.dataset.kind + ":" + li.dataset.id];
    if (!m) return;
    if (m.getLatLng) map.setView(m.getLatLng(), Math.max(map.getZoom(), 17));
    else if (m.getBounds) map.fitBounds(m.getBounds());
    if (m.openTooltip) m.openTooltip();
  }
  function pressOnSelected(key) {
    var li = document.querySelector("#panels li.sel");
    if (!li) return;
    var b = li.querySelector('button[data-key="' + key + '"]');
    if (b && !b.disabled) b.click();
  }

  var search = document.getElementById("search");
  function applySearch() {
    var q = search.value.trim().toLowerCase();
    items().concat(Array.prototype.slice.call(document.querySelectorAll("#panels li[data-id][hidden]"))).forEach(function (li) {
      li.hidden = q !== "" && (li.textContent + " " + li.dataset.id + " " + (li.dataset.sos || "")).toLowerCase().indexOf(q) < 0;
    });
  }
  search.addEventListener("input", applySearch);
  search.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter") { var first = items()[0]; if (first) { select(first); focusOn(first); } search.blur(); }
    if (ev.key === "Escape") { search.value = ""; applySearch(); search.blur(); }
  });

  var help = document.getElementById("help");
  document.getElementById("help-button").addEventListener("click", function () { help.hidden = !help.hidden; });

  document.addEventListener("keydown", function (ev) {
    var t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.tagName === "SELECT") && t.type !== "range") return;
    var list = items();
    var at = list.indexOf(document.querySelector("#panels li.sel"));
    switch (ev.key) {
      case "?": help.hidden = !help.hidden; break;
      case "Escape": help.hidden = true; select(null); break;
      case "/": ev.preventDefault(); search.focus(); break;
      case "j": if (list.length) select(list[Math.min(at + 1, list.length - 1)]); break;
      case "k": if (list.length) select(list[Math.max(at - 1, 0)]); break;
      case "Enter": if (at >= 0) focusOn(list[at]); break;
      case "c": pressOnSelected("c"); break;
      case "d": pressOnSelected("d"); break;
      case "a": pressOnSelected("a"); break;
      case "l": backToLive(); break;
      case "[": if (CAN_REPLAY) { slider.value = String(Math.max(0, parseInt(slider.value, 10) - 1)); replay(parseInt(slider.value, 10)); } break;
      case "]": if (CAN_REPLAY) { slider.value = String(Math.min(head, parseInt(slider.value, 10) + 1)); replay(parseInt(slider.value, 10)); } break;
      default: return;
    }
  });

  // Ages on the map and in the queues move on even when nothing new arrives; a picture grown
  // old in a quiet feed is asked for again instead (and drawn when it comes).
  setInterval(function () {
    if (refreshIfOld() && mode === "live") return;
    if (shown && mode === "live" && !lost) show(shown);
  }, 30000);

  refresh();
  window.magenConsole = {
    map: map,
    picture: function () { return shown; },
    mode: function () { return mode; },
    lost: function () { return lost; },
    head: function () { return head; },
    // The picture on screen drawn again (what every event and the 30 s age tick do): for
    // tests and for timing a redraw in the page.
    redraw: function () { if (shown) show(shown); },
    // {pictures: n, panels: {name: n}}: pictures drawn, and each list's drawings that changed it.
    draws: function () { return JSON.parse(JSON.stringify(drawn)); }
  };
})();
