/* The responder view (phone): my assignment, big status buttons, a one-tap sighting at my
   position, and guided START/JumpSTART triage. Position is sent as it changes. */
(function () {
  "use strict";

  var M = window.Magen;
  var say = M.say;
  var POSITION_EVERY_MS = 15000;
  var POSITION_MOVE_M = 25;

  var me = null;
  var fix = null;          // the latest GPS fix {lat, lon, accuracy}
  var onFix = null;        // what waits for a fix (the open card's hospitals, to rank them)
  var sentFix = null, sentAt = 0;
  var statusLine = document.querySelector("[data-status-line]");
  var errorLine = document.querySelector("[data-error]");

  function tell(text) { errorLine.hidden = true; statusLine.textContent = text; statusLine.hidden = !text; }
  function fail(text) { statusLine.hidden = true; errorLine.textContent = text; errorLine.hidden = !text; }

  // Presses are numbered: the top line says the answer to the latest press only. A late
  // answer to an earlier one (a retry that resolved after the next step was pressed) would
  // put an older step back on it. Each press is also answered beside its own control.
  var presses = 0;
  function press() {
    var n = ++presses;
    return {
      tell: function (text) { if (n === presses) tell(text); },
      fail: function (text) { if (n === presses) fail(text); }
    };
  }

  // "No connection: not sent" is true only until a later send gets through or the
  // connection comes back: then it goes, wherever it is said (the top line, beside a button).
  var notSentLines = [];
  function notSent(line) {
    if (notSentLines.indexOf(line) < 0) notSentLines.push(line);
  }
  function clearNotSent() {
    var text = say("fd_not_sent");
    notSentLines.concat([errorLine]).forEach(function (line) {
      if (!line.hidden && line.textContent.indexOf(text) >= 0) { line.hidden = true; line.textContent = ""; }
    });
    notSentLines = [];
  }
  // A control's own answer line (shown beside it: the top of the page is off-screen there).
  function near(line, ok, text, raw) {
    said(line, ok, text, raw);
    if (ok) clearNotSent();
    else if (text === say("fd_not_sent")) notSent(line);
  }

  // Why a command was refused, in the page's language (the server's reason is English, for
  // logs: it is kept in the line's title, not shown in a Hebrew or Arabic sentence).
  // With the form it came from, a refused field is named by its label and the rule it broke
  // ("Call sign: at most 40 characters"), and marked on the form.
  function refusal(r, form, titled) {
    var st = r.status, raw = (r.json && r.json.reason) || String(st);
    var found = form && st === 400 ? M.fieldRefused(r, form) : null;
    if (form) M.markRefused(form, found);
    var key = notCheckedIn(r) ? "fd_err_check_in" : st === 403 ? "fd_err_forbidden" :
      st === 404 ? "fd_err_not_found" : st === 409 ? "fd_err_conflict" : st === 429 ? "fd_err_busy" :
      st >= 500 ? "fd_err_server" : "fd_err_invalid";
    (titled || errorLine).title = raw;
    var ruled = notCheckedIn(r) ? "" : M.refusedFor(r);  // my own check-in: fd_err_check_in
    if (ruled && r.json.rule === "assignment_moved_on") refresh();  // show the task as it is now
    return say("error", { reason: found ? found.text : ruled || say(key) });
  }
  function notCheckedIn(r) { return r.status === 404 && (r.json && r.json.rule) === "not_checked_in"; }

  // A press's answer, beside its control (`line`) and on the top line if it is the latest
  // press (`pr`): done (`okText`), or why not.
  function answered(r, form, line, pr, okText) {
    if (r.ok) {
      if (form) M.markRefused(form, null);
      near(line, true, okText);
      pr.tell(okText);
      return true;
    }
    if (notCheckedIn(r)) showCheckIn(true);
    var text = refusal(r, form, line);
    near(line, false, text, line.title);
    pr.fail(text);
    return false;
  }
  function lost(line, pr) {
    near(line, false, say("fd_not_sent"));
    pr.fail(say("fd_not_sent"));
  }

  function answer(r, form) {
    if (r.ok) { if (form) M.markRefused(form, null); return true; }
    if (notCheckedIn(r)) showCheckIn(true);
    fail(refusal(r, form));
    return false;
  }

  /* --- map -------------------------------------------------------------------------------- */

  // Leaflet (150 kB) is loaded after my first picture, not before this script: on a slow
  // network the status buttons work and my task is read seconds before the map is drawn.
  var mapEl = document.getElementById("map");
  mapEl.setAttribute("dir", "ltr");
  var map = null, threats = null, task = null, lastPicture = null, lastTask = null;
  var mapAsked = false, mapSettled = mapEl.hidden, pictureShown = false;
  window.magenResponder = { map: null };

  function loadScript(src) {
    return new Promise(function (ok, fail) {
      var s = document.createElement("script");
      s.src = src; s.onload = ok; s.onerror = fail;
      document.head.appendChild(s);
    });
  }

  function ready() {
    if (pictureShown && mapSettled) document.body.dataset.ready = "1";
  }

  function loadMap() {
    if (mapAsked || mapEl.hidden) return;
    mapAsked = true;
    var v = mapEl.getAttribute("data-version") || "";
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = "/vendor/leaflet/leaflet.css?v=" + v;
    document.head.appendChild(css);
    loadScript("/vendor/leaflet/leaflet.js?v=" + v)
      .then(function () { return loadScript("/static/townmap.js?v=" + v); })
      .then(function () {
        map = MagenTown.create(mapEl, {});
        map.setView([31.7615, 35.216], 15);
        threats = L.layerGroup().addTo(map);
        task = L.layerGroup().addTo(map);
        window.magenResponder.map = map;
        // Leaflet's own button names are English.
        [["in", "fd_zoom_in"], ["out", "fd_zoom_out"]].forEach(function (z) {
          var btn = mapEl.querySelector(".leaflet-control-zoom-" + z[0]);
          if (btn) { btn.title = say(z[1]); btn.setAttribute("aria-label", say(z[1])); }
        });
        if (fix) drawMe(true);
        if (lastPicture) drawThreats(lastPicture);
        drawTask(lastTask);
        loadTown();
        mapSettled = true;
        ready();
      }, function () { mapEl.hidden = true; mapSettled = true; ready(); });
  }
  setTimeout(loadMap, 6000);
  // Once the map shows my task (its route, or it and me), neither the town's outline nor my
  // first GPS fix may pull the view away from it: the route would be cut off the screen.
  // Views are set without animation: Leaflet ends a zoom animation at the target it started
  // with, overriding a view set while it runs (a late GPS fix then hid the route).
  var framed = false;
  // The town's streets and buildings (70 kB) come after my first picture: on a slow network
  // my task is what I need first, the background can follow.
  var townAsked = false;
  function loadTown() {
    if (townAsked) return;
    townAsked = true;
    MagenTown.load(map, { zones: false }).then(function (t) { if (t && t.bounds && !fix && !framed) map.fitBounds(t.bounds); });
  }
  var meMarker = null;

  /* --- who am I, am I on duty ------------------------------------------------------------- */

  function showCheckIn(show) { document.querySelector("[data-checkin]").hidden = !show; }

  // One picture at a time: on a slow network a picture takes seconds, and the events of a
  // busy night come faster than that. Events meanwhile ask for one more picture, not one each.
  // A request a weak link holds open for half a minute no longer blocks the next one; an
  // answer older than one already shown is dropped.
  var loading = 0, again = false, onPicture = null, asked = 0, shown = 0;
  function refresh() {
    if (loading && Date.now() - loading < 30000) { again = true; return; }
    loading = Date.now();
    var mine = ++asked;
    function next(wait) {
      if (mine !== asked) return;
      loading = 0;
      if (again) { again = false; setTimeout(refresh, wait || 1000); }
    }
    getPicture().then(function (r) {
      if (!r.ok || mine < shown) { next(); return; }
      shown = mine;
      var p = r.json;
      var meNow = (p.responders || []).filter(function (x) { return x.id === me; })[0];
      showCheckIn(!meNow);
      if (meNow) markStatus(meNow.status);
      placed = !!(meNow && meNow.lat != null);
      showScope(p);
      lastPicture = p;
      drawAlerts(p);
      drawMine();  // the minutes since a tourniquet, now on the server's clock
      sayThreats(p);
      drawThreats(p);
      drawAssignment(p);
      pictureShown = true;
      ready();
      if (onPicture) { var f = onPicture; onPicture = null; f(p); }
      loadMap();
      next();
    }, function () { again = navigator.onLine !== false; next(3000); });
  }

  // Only the picture around me (my task and its route wherever they are, the threats, danger
  // areas and calls near me and along my way): a tenth of the whole picture of a busy morning,
  // seconds less on a weak link. Asked for around my GPS fix, else around the position the
  // server last had from me; with neither (no fix yet, not on duty) the whole picture. A
  // server that refuses it (an older one, or my position gone) gets the whole picture asked.
  var AROUND_M = 2000, aroundRefused = false, placed = false;
  function getPicture() {
    var whole = "/api/v1/picture";
    if (aroundRefused || (!fix && !placed)) return M.api("GET", whole);
    var url = whole + "?view=around&radius_m=" + AROUND_M +
      (fix ? "&near=" + fix.lon.toFixed(6) + "," + fix.lat.toFixed(6) : "");
    return M.api("GET", url).then(function (r) {
      if (r.ok || [400, 403, 404, 422].indexOf(r.status) < 0) return r;
      if (r.status !== 422) aroundRefused = true;  // 422: no position of mine known, this time
      return M.api("GET", whole);
    });
  }

  // The map says when it shows the area around me, never letting it pass for the whole picture.
  var scopeNote = document.querySelector("[data-scope-note]");
  function showScope(p) {
    var scope = p.scope, around = scope && scope.view === "around";
    // "and your task" only when there is one: a note that names a task I do not have misleads.
    var tasked = (p.assignments || []).some(function (x) { return x.responder_id === me && ACTIVE[x.status]; });
    scopeNote.hidden = !around;
    scopeNote.textContent = around
      ? say(tasked ? "fd_map_around" : "fd_map_around_me", { km: String(Math.round(scope.radius_m / 100) / 10) })
      : "";
  }

  // The attackers in one line, so a responder with no task (or no map) knows the scale: the
  // groups reported active, the nearest to me and when it was seen, and the groups not seen
  // recently, said as possibly still there. "None" names the area the picture covers.
  var threatLine = document.querySelector("[data-threats]");
  function sayThreats(p) {
    var open = (p.tracks || []).filter(function (t) { return t.open && !t.merged_into; });
    var active = open.filter(function (t) { return t.status !== "stale"; });
    var quiet = open.length - active.length, parts = [];
    if (active.length) {
      var line = say("fd_threats_active", { n: String(active.length) });
      var placed = active.filter(function (t) { return t.lat != null; });
      if (fix && placed.length) {
        var near = placed.map(function (t) { return { t: t, d: metres(fix, t) }; })
          .sort(function (a, b) { return a.d - b.d; })[0];
        line += " · " + say("fd_threats_nearest", { d: String(Math.round(near.d / 50) * 50), t: M.hhmmss(near.t.last_seen) });
      } else {
        var latest = active.map(function (t) { return t.last_seen; }).sort().pop();
        if (latest) line += " · " + say("fd_threats_latest", { t: M.hhmmss(latest) });
      }
      parts.push(line);
    }
    if (quiet) parts.push(say("fd_threats_quiet", { n: String(quiet) }));
    if (!parts.length) {
      var scope = p.scope;
      parts.push(scope && scope.view === "around"
        ? say("fd_threats_none_near", { km: String(Math.round(scope.radius_m / 100) / 10) })
        : say("fd_threats_none"));
    }
    threatLine.textContent = parts.join(" · ");
    threatLine.classList.toggle("active", active.length > 0);
    threatLine.hidden = false;
  }

  // What the route goes around: the attackers' last known places and the danger areas.
  function drawThreats(p) {
    if (!map) return;
    threats.clearLayers();
    (p.danger_areas || []).forEach(function (d) {
      var a = d.area, style = { color: "#b00020", weight: 2, fillColor: "#b00020", fillOpacity: 0.15, interactive: false, className: "mk-danger" };
      if (!a) return;
      if (a.kind === "circle") L.circle([a.lat, a.lon], Object.assign({ radius: a.radius_m }, style)).addTo(threats);
      else if (a.kind === "polygon") L.polygon(a.ring.map(function (c) { return [c[1], c[0]]; }), style).addTo(threats);
    });
    (p.tracks || []).forEach(function (t) {
      if (!t.open || t.merged_into || t.lat == null) return;
      var stale = t.status === "stale";  // grey ringed red: never taken for a closed shelter
      L.circleMarker([t.lat, t.lon], {
        radius: 8, color: stale ? "#b00020" : "#fff", weight: stale ? 3 : 2, fillColor: stale ? "#888" : "#b00020", fillOpacity: 0.95,
        interactive: false, className: "mk-track" + (stale ? " stale" : "")
      }).addTo(threats);
    });
  }

  var ACTIVE = { assigned: 1, acknowledged: 1, arrived: 1 };
  // The next step of an assignment, and the dispatch API's verb for it.
  var NEXT_STEP = { assigned: ["ack", "st_en_route"], acknowledged: ["arrived", "st_on_scene"], arrived: ["complete", "done_task"] };

  function targetRef(a) {
    var t = a.target;
    return t && typeof t === "object" ? { kind: t.kind, id: t.id } : { kind: t, id: a.target_id };
  }

  // Official alerts in force in the town (rockets: take cover), at the top of the page, in its
  // language. The picture lists the alerts not ended, each with its expiry: one past it (by
  // the server's clock) is not shown, and the line goes when the last one runs out though no
  // new picture comes. The picture does not place me in an alert's zones: the town's alerts.
  var alertTimer = null;
  function drawAlerts(p) {
    M.learnClock(p.generated_at);
    var now = M.serverNow(), found = M.inForce(p.alerts, now), items = found.items, next = found.next;
    var box = document.querySelector("[data-alerts]");
    box.textContent = "";
    items.forEach(function (a) {
      var title = say("fd_alert_since_titled", { title: words(a.title), t: M.hhmmss(a.issued_at) });
      box.appendChild(M.node("p", "alert-title", title + (a.drill ? " (" + say("drill") + ")" : "")));
      if (words(a.instruction)) box.appendChild(M.node("p", "alert-do", words(a.instruction)));
    });
    box.hidden = !items.length;
    clearTimeout(alertTimer);
    if (next < Infinity) {
      alertTimer = setTimeout(function () { if (lastPicture === p) drawAlerts(p); }, Math.min(next - now + 250, 3600000));
    }
  }

  // Where an assignment's target is, from the picture: an incident (or its first SOS), a track.
  function targetOf(p, a) {
    var ref = targetRef(a);
    // A wounded colleague: their last position in the picture, named by their call sign.
    if (ref.kind === "responder") return (p.responders || []).filter(function (r) { return r.id === ref.id; })[0] || null;
    var pools = ref.kind === "track" ? [p.tracks] : [p.incidents, p.sos];
    for (var i = 0; i < pools.length; i++) {
      var hit = (pools[i] || []).filter(function (x) {
        return (x.id || x.incident_id || x.track_id) === ref.id || (x.sos_ids || []).indexOf(ref.id) >= 0;
      })[0];
      if (hit) return hit;
    }
    return null;
  }

  function stepButton(box, a) {
    var next = NEXT_STEP[a.status];
    if (!next) return;
    var b = document.createElement("button");
    b.type = "button"; b.className = "big"; b.textContent = say(next[1]);
    b.setAttribute("data-step", next[0]);
    b.addEventListener("click", function () {
      b.disabled = true;
      var id = a.id || a.assignment_id, pr = press();
      near(taskAnswer, null, say("fd_cc_sending"));
      M.command("/api/v1/dispatch/assignments/" + encodeURIComponent(id) + "/" + next[0], {}).then(function (r) {
        b.disabled = false;
        if (answered(r, null, taskAnswer, pr, say(next[1]))) refresh();
      }, function () { b.disabled = false; lost(taskAnswer, pr); });
    });
    box.appendChild(b);
  }

  var taskAnswer = document.querySelector("[data-task-answer]");
  // Where each of my tasks was last seen on the map: a call that has closed leaves the
  // picture, and its last known place is all there is to tell me where it was.
  var knownPlace = {};
  function drawAssignment(p) {
    lastTask = null;
    drawTask(null);
    var box = document.querySelector("[data-assignment]");
    var a = (p.assignments || []).filter(function (x) { return x.responder_id === me && ACTIVE[x.status]; })[0];
    box.innerHTML = "";
    drawCallups(box, p);
    if (!a) {
      if (!box.children.length) box.appendChild(M.node("p", "", [say("no_assignment")]));
      return;
    }
    var target = targetOf(p, a), aid = a.id || a.assignment_id;
    if (target && target.lat != null) knownPlace[aid] = { lat: target.lat, lon: target.lon };
    var route = a.route && a.route.geometry && a.route.geometry.type === "LineString" ? a.route : null;
    var h = document.createElement("p");
    h.className = "action";
    h.setAttribute("data-task", a.status);
    var ref = targetRef(a);
    var kind = ref.kind === "track" ? "fd_task_track" : ref.kind === "responder" ? "fd_task_responder" : target && (target.sos_ids || String(target.id || "").indexOf("sos_") === 0) ? "fd_task_sos" : "fd_task_incident";
    h.textContent = say(kind) + (ref.kind === "responder" && target && target.callsign ? " " + target.callsign : "") + " · " + say("task_" + a.status) +
      (target && target.people != null ? " · " + say("sos_line", { people: target.people, injured: target.injured, children: target.children }) : "") +
      (route ? " · " + say("travel_min", { m: Math.max(1, Math.ceil(route.properties.travel_s / 60)) }) : "") +
      (a.note ? " · " + a.note : "");
    box.appendChild(h);
    // The call I am sent to has closed (or left the map): said, with its last known place
    // on the map if this phone saw it; dispatch knows what is next.
    var closed = a.target_open === false, place = null;
    if (closed) {
      place = target && target.lat != null ? target : knownPlace[aid] || null;
      var gone = M.node("p", "error", say("fd_task_closed") + (place ? " " + say("fd_task_closed_place") : ""));
      gone.setAttribute("data-task-closed", "");
      box.appendChild(gone);
    }
    // A silent SOS: the caller is hiding; a ring or a shout can give them away.
    if (target && target.silent) {
      var hush = document.createElement("p");
      hush.className = "error";
      hush.setAttribute("data-silent-task", "");
      hush.textContent = say("fd_task_silent");
      box.appendChild(hush);
    }
    stepButton(box, a);
    lastTask = { target: closed ? place : target, route: route };
    drawTask(lastTask);
  }

  function drawTask(t) {
    if (!map) return;
    task.clearLayers();
    if (!t) return;
    var target = t.target, route = t.route;
    if (target && target.lat != null) {
      L.circleMarker([target.lat, target.lon], { radius: 11, color: "#b00020", weight: 4, fill: false }).addTo(task);
      // Only the street route the dispatcher computed is drawn (around danger areas): a
      // straight line could lead through one.
      if (route) {
        var line = L.geoJSON(route, { style: { color: "#1f6feb", weight: 6, opacity: 0.9, className: "mk-route" }, interactive: false }).addTo(task);
        map.fitBounds(line.getBounds(), { padding: [24, 24], maxZoom: 18, animate: false });
      } else if (fix) {
        map.fitBounds(L.latLngBounds([[fix.lat, fix.lon], [target.lat, target.lon]]), { padding: [32, 32], maxZoom: 17, animate: false });
      } else {
        map.setView([target.lat, target.lon], 17, { animate: false });
      }
      framed = true;
    }
  }

  // A call-up that reaches me and that I have not answered: coming, or cannot.
  function drawCallups(box, p) {
    (p.callups || []).forEach(function (c) {
      if (!c.open || (c.answers || []).some(function (x) { return x.responder_id === me; })) return;
      var q = document.createElement("p");
      q.className = "action";
      q.textContent = say("callup") + (c.note ? " · " + c.note : "");
      box.appendChild(q);
      [[true, "coming"], [false, "cannot"]].forEach(function (pair) {
        var b = document.createElement("button");
        b.type = "button"; b.className = "big"; b.textContent = say(pair[1]);
        b.setAttribute("data-callup", pair[1]);
        b.addEventListener("click", function () {
          b.disabled = true;
          var pr = press();
          M.command("/api/v1/callups/" + encodeURIComponent(c.id) + "/ack", { coming: pair[0] }).then(function (r) {
            if (answered(r, null, taskAnswer, pr, say(pair[1]))) refresh(); else b.disabled = false;
          }, function () { b.disabled = false; lost(taskAnswer, pr); });
        });
        box.appendChild(b);
      });
    });
  }

  function markStatus(st) {
    document.querySelector("[data-current-status]").textContent = say("st_" + st);
    var buttons = document.querySelectorAll("[data-status]");
    for (var i = 0; i < buttons.length; i++) buttons[i].setAttribute("aria-pressed", buttons[i].dataset.status === st ? "true" : "false");
  }

  var checkinForm = document.querySelector("[data-checkin-form]");
  function checkIn() {
    var f = checkinForm.elements;
    var body = { kind: f.kind.value, callsign: f.callsign.value.trim() };
    if (fix) body.where = { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy };
    return M.command("/api/v1/responders/check-in", body);
  }
  checkinForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var pr = press();
    checkIn().then(function (r) {
      if (answer(r, checkinForm)) { clearNotSent(); pr.tell(say("st_available")); showCheckIn(false); markStatus("available"); }
    }, function () { pr.fail(say("fd_not_sent")); });
  });

  /* --- the outbox: statuses and sightings kept on the phone until the server has them ----- */

  // As the resident page's outbox (resident.js): a status or a sighting is kept in
  // localStorage from the moment it is pressed, with its command id and the time it was
  // pressed (observed_at, on the server's clock), and sent from there in the order pressed,
  // one at a time. Pressed with no connection, lost on its way or met by a busy server, it
  // stays kept (also across a reload, or the page closed) and goes when the connection
  // returns; "waiting to send (n)" says so beside its buttons until it has gone. The server
  // records one command per id, so a resend (a lost answer, a second tab) counts once, and a
  // status older than the one held changes nothing there (ChangeStatus.observed_at).
  // Kept per account: a phone signed in as someone else never sends another's presses.
  var OUTBOX = "magen.responder.outbox", RETRY_MIN_MS = 1000, RETRY_MAX_MS = 5000;
  var STATUS_WAIT_MS = 8000, SIGHTING_WAIT_MS = 15000;
  var memoryOnly = false, inMemory = [];
  function outbox() {
    if (memoryOnly) return inMemory.slice();
    try { return JSON.parse(localStorage.getItem(OUTBOX) || "[]"); } catch (e) { return inMemory.slice(); }
  }
  function saveOutbox(items) {
    inMemory = items.slice();
    try { localStorage.setItem(OUTBOX, JSON.stringify(items)); } catch (e) { memoryOnly = true; }  // private mode: this page only
  }
  function drop(id) { saveOutbox(outbox().filter(function (x) { return x.id !== id; })); }
  // Mine to send: pressed on this account (or before it was known), once it is known.
  function sendable(x) { return !x.who || (me !== null && x.who === me); }
  function shownMine(x) { return !x.who || me === null || x.who === me; }

  var pressOf = {};        // command id -> its press (the top line), for presses made on this page
  var superseded = {};     // command id of a status on its way when a newer one was pressed
  var retryTimer = null, retryMs = RETRY_MIN_MS;
  var unheard = { tell: function () {}, fail: function () {} };
  var waitingLines = document.querySelectorAll("[data-outbox]");
  // One of each kind on its way at a time (a status waits for the answer to the one before
  // it; a sighting for the sighting before it), leaving in the order pressed: a status is not
  // held up by a sighting's slow answer, nor a sighting by a status's.
  var flying = { status: null, sighting: null };
  function onItsWay(id) { return flying.status === id || flying.sighting === id; }

  function lineOf(item) { return item.kind === "status" ? statusAnswer : sightingAnswer; }
  function renderOutbox() {
    var mine = outbox().filter(shownMine);
    Array.prototype.forEach.call(waitingLines, function (line) {
      var n = mine.filter(function (x) { return x.kind === line.getAttribute("data-outbox"); }).length;
      line.textContent = n ? say("fd_outbox_waiting", { n: String(n) }) : "";
      line.hidden = !n;
    });
  }
  function keptSaid(item) {
    near(lineOf(item), null, say("fd_outbox_kept"));
    (pressOf[item.id] || unheard).fail(say("fd_outbox_kept"));
  }
  // Worth another try later: the network, a busy or restarting server, a rate limit, and a
  // sign-in that lapsed (the page goes to sign in; the outbox waits for it).
  function transient(st) { return st >= 500 || st === 429 || st === 408 || st === 401; }

  function keepPress(item) {
    var items = outbox();
    if (!items.some(function (x) { return x.id === item.id; })) items.push(item);
    saveOutbox(items);
    if (navigator.onLine === false) keptSaid(item);
    else near(lineOf(item), null, say("fd_cc_sending"));
    pump();
  }
  function retryLater(item) {
    if (superseded[item.id] && item.st !== "wounded") { drop(item.id); pump(); return; }
    keptSaid(item);
    renderOutbox();
    clearTimeout(retryTimer);
    retryTimer = setTimeout(pump, retryMs);
    retryMs = Math.min(retryMs * 2, RETRY_MAX_MS);
  }
  function pump() {
    renderOutbox();
    if (navigator.onLine === false) return;  // offline: the "online" event sends them
    var items = outbox().filter(sendable);
    for (var k = 0; k < items.length; k++) {
      if (onItsWay(items[k].id)) continue;
      if (flying[items[k].kind]) break;  // its kind's lane is busy: it, and all after it, wait
      sendKept(items[k]);
    }
  }
  function sendKept(item) {
    flying[item.kind] = item.id;
    var sent = item.kind === "status" ? sendStatus(item) : sendSighting(item);
    function over() { flying[item.kind] = null; }
    sent.then(function (out) {
      over();
      if (transient(out.r.status)) { retryLater(item); return; }
      retryMs = RETRY_MIN_MS;
      drop(item.id);
      // Pressed again since (another status): that one is answered, not this one.
      if (!superseded[item.id]) settle(item, out);
      delete superseded[item.id]; delete pressOf[item.id];
      pump();
    }, function () { over(); retryLater(item); });
  }
  function settle(item, out) {
    var pr = pressOf[item.id] || unheard;
    if (item.kind === "status") {
      if (answered(out.r, out.form, statusAnswer, pr, say("st_" + item.st))) { markStatus(item.st); refresh(); }
      return;
    }
    if (answered(out.r, sightingForm, sightingAnswer, pr, say("report_sent", { t: M.hhmmss() }))) {
      if (sighting && sighting.id === item.id) { sighting = null; sightingForm.reset(); }
    }
  }
  window.addEventListener("online", function () { retryMs = RETRY_MIN_MS; pump(); });
  document.addEventListener("visibilitychange", function () { if (!document.hidden) pump(); });
  // Another tab's presses, and a server that was busy: looked at now and then.
  setInterval(function () { if (outbox().length) pump(); }, 10000);

  // A status pressed before checking in (an off-duty officer who is hit, a volunteer who
  // runs in) is not refused: the one press checks in with the form as it stands (kind, call
  // sign) and then says the status. A refused check-in is said on its form.
  //
  // Statuses go through the outbox, the latest press winning: a press drops the earlier
  // statuses still waiting (never "wounded": a wounded responder unheard is the worse
  // mistake), and one on its way when it was pressed is not sent again if it fails. Each
  // says when it was pressed: one that lands late anyway changes nothing on the server.
  var statusAnswer = document.querySelector("[data-status-answer]");
  function sendStatus(item) {
    function once() { return M.api("POST", item.url, item.body, STATUS_WAIT_MS); }
    return once().then(function (r) {
      if (!notCheckedIn(r)) return { r: r };
      return checkIn().then(function (c) {
        if (!c.ok) return { r: c, form: checkinForm };
        showCheckIn(false);
        markStatus("available");
        return once().then(function (again) { return { r: again }; });
      });
    });
  }
  function supersede() {
    saveOutbox(outbox().filter(function (x) {
      if (x.kind !== "status" || x.st === "wounded" || !shownMine(x)) return true;
      if (x.id === flying.status) { superseded[x.id] = true; return true; }
      return false;
    }));
  }
  var statusButtons = document.querySelectorAll("[data-status]");
  for (var i = 0; i < statusButtons.length; i++) {
    (function (b) {
      b.addEventListener("click", function () {
        var st = b.dataset.status, id = M.uuid();
        supersede();
        pressOf[id] = press();
        keepPress({ id: id, kind: "status", st: st, who: me, at: Date.now(), url: "/api/v1/responders/status",
          body: { status: st, command_id: id, observed_at: serverNowIso() } });
      });
    })(statusButtons[i]);
  }

  /* --- position --------------------------------------------------------------------------- */

  function metres(a, b) {
    var k = Math.PI / 180, dx = (b.lon - a.lon) * k * Math.cos(a.lat * k) * 6371000, dy = (b.lat - a.lat) * k * 6371000;
    return Math.sqrt(dx * dx + dy * dy);
  }

  function sendPosition() {
    if (!fix || !me) return;
    var due = !sentFix || Date.now() - sentAt > POSITION_EVERY_MS || metres(sentFix, fix) > POSITION_MOVE_M;
    if (!due) return;
    sentFix = fix; sentAt = Date.now();
    M.command("/api/v1/responders/position", { where: { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy } })
      .then(function (r) { if (notCheckedIn(r)) showCheckIn(true); }, function () { sentFix = null; });
  }

  function drawMe(first) {
    if (!map) return;
    var ll = [fix.lat, fix.lon];
    if (meMarker) meMarker.setLatLng(ll);
    else meMarker = L.circleMarker(ll, { radius: 7, color: "#fff", weight: 2, fillColor: "#1f6feb", fillOpacity: 1 }).addTo(map);
    if (first && !framed) map.setView(ll, 17, { animate: false });
  }

  // A watch refused (location off, or not allowed) ends; allowed later in the browser's
  // settings, it is started again, so the position is sent and the hospitals ranked without
  // reloading the page. Any other failure keeps the last fix and the watch.
  var watching = false;
  function watch() {
    if (watching) return;
    watching = true;
    navigator.geolocation.watchPosition(function (pos) {
      var first = !fix;
      fix = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: Math.round(pos.coords.accuracy) };
      drawMe(first);
      sendPosition();
      if (onFix && onFix()) onFix = null;
    }, function (err) {
      if (err && err.code === 1) watching = false;  // PERMISSION_DENIED: this watch is over
    }, { enableHighAccuracy: true, maximumAge: 5000 });
  }
  if (navigator.geolocation) {
    watch();
    if (navigator.permissions) {
      navigator.permissions.query({ name: "geolocation" }).then(function (status) {
        status.addEventListener("change", function () { if (status.state === "granted") watch(); });
      }, function () { /* no permission states here: the first watch is all there is */ });
    }
  }

  /* --- one-tap sighting ------------------------------------------------------------------- */

  // Kept in the outbox (above) when pressed, with where and when it was seen. A report
  // pressed again while it still waits (its answer may have been lost, not the report) is
  // the same report, under the same id, from where it was made.
  var sightingAnswer = document.querySelector("[data-sighting-answer]"), sighting = null;
  var sightingForm = document.querySelector("[data-sighting-form]");
  sightingForm.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = sightingForm, pr = press();
    var n = parseInt(f.elements.count.value, 10), key = f.elements.mobility.value + " " + (n > 0 ? n : "");
    var waiting = outbox().filter(function (x) { return x.kind === "sighting" && x.key === key && shownMine(x); }).pop();
    if (waiting) {
      pressOf[waiting.id] = pr;
      sighting = { id: waiting.id, key: key };
      keepPress(waiting);
      return;
    }
    if (!fix) { near(sightingAnswer, false, say("gps_failed")); pr.fail(say("gps_failed")); return; }
    var id = M.uuid();
    var body = {
      where: { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy },
      mobility: f.elements.mobility.value, command_id: id, observed_at: serverNowIso()
    };
    if (n > 0) body.count = n;
    sighting = { id: id, key: key };
    pressOf[id] = pr;
    keepPress({ id: id, kind: "sighting", key: key, who: me, at: Date.now(), url: "/api/v1/sightings", body: body });
  });
  function sendSighting(item) {
    return M.api("POST", item.url, item.body, SIGHTING_WAIT_MS).then(function (r) { return { r: r }; });
  }

  /* --- triage (the questions and their order come from the server: people/triage.py) ---- */

  var LANG = document.documentElement.lang || "en";
  var COLOUR = { minor: "green", delayed: "yellow", immediate: "red", expectant: "black" };
  var box = document.querySelector("[data-triage]");
  var protocol = "start", child = false, answers = {};

  function words(t) { return (t && (t[LANG] || t.en)) || ""; }

  // The triage in progress is never lost: the question on screen (and the answers before it)
  // stays until the server has given the next one. A count out of range is said beside its
  // field before anything is sent; a refusal or no connection is said beside the question,
  // with a button to send the same answer again.
  var COUNT_MIN = 1, COUNT_MAX = 150;  // people/triage.py: a rate above 150 is a mis-entry
  var asking = false;
  function step(id, value, from, retry) {
    if (asking) return;
    var next = Object.assign({}, answers);
    if (id != null) next[id] = value;
    asking = true;
    var busy = from ? from.querySelectorAll("button") : [];
    Array.prototype.forEach.call(busy, function (b) { b.disabled = true; });
    function again(text, raw) {
      asking = false;
      Array.prototype.forEach.call(busy, function (b) { b.disabled = false; });
      stepRefused(from, text, raw, retry || function () { step(id, value, from); });
    }
    M.api("POST", "/api/v1/triage/step", { protocol: protocol, answers: next }).then(function (r) {
      if (!r.ok) {
        if (notCheckedIn(r)) showCheckIn(true);
        var holder = { title: "" };
        again(refusal(r, null, holder), holder.title);
        return;
      }
      asking = false;
      answers = next;
      box.innerHTML = "";
      var j = r.json;
      if (j.done) return result(j);
      question(j.question);
    }, function () { again(say("fd_not_sent")); });
  }

  // Why the step was not taken, under the question (or the start button) it came from, and
  // one button to try the same again.
  function stepRefused(from, text, raw, retry) {
    var line = box.querySelector("[data-step-answer]");
    if (!line) {
      line = answerLine();
      line.setAttribute("data-step-answer", "");
      line.setAttribute("role", "alert");
      (from || box).appendChild(line);
    }
    said(line, false, text, raw);
    var btn = bigButton(say("fd_triage_retry"), "triage-retry");
    btn.setAttribute("data-step-retry", "");
    btn.addEventListener("click", function () { retry(); });
    line.appendChild(document.createTextNode(" "));
    line.appendChild(btn);
  }

  function question(q) {
    var part = M.node("div", "triage-q");
    part.setAttribute("data-question", q.id);
    var h = M.node("p", "action", words(q.text));
    part.appendChild(h);
    box.appendChild(part);
    if (q.kind === "count") {
      var form = document.createElement("form");
      form.className = "triage-count";
      form.noValidate = true;
      var input = document.createElement("input");
      input.type = "number"; input.min = String(COUNT_MIN); input.max = String(COUNT_MAX);
      input.step = "1"; input.inputMode = "numeric"; input.name = q.id;
      input.setAttribute("aria-label", words(q.text));
      var hint = M.node("p", "error", "");
      hint.id = "triage-count-" + q.id;
      hint.setAttribute("data-count-error", "");
      hint.setAttribute("role", "alert");
      hint.hidden = true;
      input.setAttribute("aria-describedby", hint.id);
      var ok = document.createElement("button");
      ok.type = "submit"; ok.className = "big"; ok.textContent = "✓";
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var raw = input.value.trim(), v = Number(raw);
        var fits = raw !== "" && /^[0-9]+$/.test(raw) && v >= COUNT_MIN && v <= COUNT_MAX;
        hint.hidden = fits;
        hint.textContent = fits ? "" : say("fd_triage_count_range", { min: String(COUNT_MIN), max: String(COUNT_MAX) });
        if (fits) input.removeAttribute("aria-invalid"); else input.setAttribute("aria-invalid", "true");
        if (!fits) { input.focus(); return; }
        // Again sends what the field says then (corrected or not), checked first.
        step(q.id, v, part, function () { ok.click(); });
      });
      input.addEventListener("input", function () { if (!hint.hidden) { hint.hidden = true; input.removeAttribute("aria-invalid"); } });
      form.appendChild(input); form.appendChild(ok); form.appendChild(hint);
      part.appendChild(form);
      return;
    }
    q.options.forEach(function (o) {
      var b = document.createElement("button");
      b.type = "button"; b.className = "big"; b.textContent = words(o.text);
      b.addEventListener("click", function () {
        step(q.id, q.kind === "yes_no" ? o.id === "yes" : o.id, part);
      });
      part.appendChild(b);
    });
  }

  function result(j) {
    var tag = document.createElement("div");
    tag.className = "tag " + (COLOUR[j.category] || "");
    tag.textContent = say("fd_cat_" + j.category);
    var why = document.createElement("p");
    why.textContent = words(j.explain);
    var label = document.createElement("label");
    label.textContent = say("tag_number");
    var number = document.createElement("input");
    number.name = "tag"; number.maxLength = 40; number.autocomplete = "off";
    label.appendChild(number);
    var record = document.createElement("button");
    record.type = "button"; record.className = "big"; record.textContent = say("record_casualty");
    record.setAttribute("data-record", "");
    // The answer stands under the button pressed: the page's top line is far off-screen here.
    var line = answerLine();
    line.setAttribute("data-record-answer", "");
    var category = j.category, isChild = child, sent = { protocol: protocol, answers: answers };
    // One command per tag typed, sent again as it was (its id, its place) however often it
    // is pressed until answered: a press after an answer lost is the same recording, which
    // the server answers again, never a second casualty refused for its tag.
    var pending = null;
    record.addEventListener("click", function () {
      var t = number.value.trim();
      if (!t) { number.focus(); return; }
      if (!pending || pending.tag !== t) {
        var body = { tag: t, protocol: sent.protocol, answers: sent.answers, looks_like_child: isChild, command_id: M.uuid() };
        if (fix) body.where = { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy };
        pending = { tag: t, body: body, where: fix };
      }
      var where = pending.where;
      send(record, line, "/api/v1/casualties", pending.body, null, function (r, at) {
        var tagNow = (r.json && r.json.tag) || t.toUpperCase();
        said(line, true, M.sayParts("fd_cc_recorded", { tag: M.node("bdi", "", tagNow), t: M.hhmmss(at) }));
        tell(say("casualty_recorded", { tag: tagNow }));
        record.hidden = true;
        number.readOnly = true;
        var c = { id: r.json.id, tag: tagNow, category: category, child: isChild, at: at,
          lat: where ? where.lat : null, lon: where ? where.lon : null, given: [], evac: null, described: null };
        cards.unshift(c);
        keep();
        openCard(c, false);
      });
    });
    var again = document.createElement("button");
    again.type = "button"; again.className = "big"; again.textContent = say("triage_again");
    again.setAttribute("data-again", "");
    again.addEventListener("click", reset);
    [tag, why, label, record, line, again].forEach(function (el) { box.appendChild(el); });
  }

  function start(isChild) {
    if (asking) return;
    closeCard();
    child = isChild;
    protocol = isChild ? "jumpstart" : "start";
    answers = {};
    step(null, null, null);
  }

  function reset() {
    closeCard();
    box.innerHTML = "";
    var label = document.createElement("label");
    label.className = "choice";
    var check = document.createElement("input");
    check.type = "checkbox";
    label.appendChild(check);
    label.appendChild(document.createTextNode(" " + say("triage_child")));
    var go = document.createElement("button");
    go.type = "button"; go.className = "big"; go.textContent = say("triage_start");
    go.setAttribute("data-triage-start", "");
    go.addEventListener("click", function () { start(check.checked); });
    box.appendChild(label); box.appendChild(go);
  }
  box.querySelector("[data-triage-start]").addEventListener("click", function () {
    start(box.querySelector("[data-child]").checked);
  });

  /* --- the casualty card: care, description, the ride to hospital ----------------------- */

  // Each action answers on a line under its own button: done with the time, or why not, in
  // the page's language (the server's English reason in the line's title).
  function answerLine() {
    var p = document.createElement("p");
    p.className = "cc-answer"; p.hidden = true;
    p.setAttribute("role", "status");
    return p;
  }
  function said(line, ok, text, raw) {
    line.className = "cc-answer " + (ok === null ? "net" : ok ? "done" : "error");
    line.textContent = "";
    line.appendChild(M.node("span", "", text));
    line.hidden = !text;
    line.title = raw || "";
  }
  // The server's clock as the picture gave it: the times shown are the server's, not the phone's.
  function serverNowIso() { return new Date(M.serverNow()).toISOString(); }
  // A press sent again after "not sent" (the answer lost, maybe not the command) is the same
  // command: one id per path and content until it is answered, so the server counts it once
  // (a tourniquet, a treatment, a description). Answered, the next press is a new one.
  var pendingIds = {};
  function send(button, line, path, body, form, done) {
    var key = null;
    if (!body.command_id) {
      key = path + " " + JSON.stringify(body);
      body.command_id = pendingIds[key] || (pendingIds[key] = M.uuid());
    }
    button.disabled = true;
    said(line, null, say("fd_cc_sending"));
    M.command(path, body).then(function (r) {
      button.disabled = false;
      if (r.ok) {
        if (key) delete pendingIds[key];
        if (form) M.markRefused(form, null);
        clearNotSent();
        done(r, serverNowIso());
        return;
      }
      if (notCheckedIn(r)) showCheckIn(true);
      said(line, false, refusal(r, form, line), line.title);
    }, function () { button.disabled = false; near(line, false, say("fd_not_sent")); });
  }
  function bigButton(text, cls) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "big " + (cls || "");
    b.appendChild(M.node("span", "", text));
    return b;
  }

  // The casualties recorded on this phone, kept across a reload (tags and care, no names).
  var cards = [], KEEP_MS = 12 * 3600 * 1000;
  function storeKey() { return "magen.responder.casualties." + (me || ""); }
  function keep() {
    try { localStorage.setItem(storeKey(), JSON.stringify(cards.slice(0, 50))); } catch (e) { /* full or private */ }
  }
  function loadKept() {
    var kept = [];
    try { kept = JSON.parse(localStorage.getItem(storeKey()) || "[]") || []; } catch (e) { kept = []; }
    var now = Date.now(), have = {};
    cards.forEach(function (c) { have[c.id] = 1; });
    kept.forEach(function (c) {
      if (c && c.id && !have[c.id] && now - new Date(c.at).getTime() < KEEP_MS) cards.push(c);
    });
    keep();
    drawMine();
  }

  var cardSection = document.querySelector("[data-casualty]");
  var cardTitle = cardSection.querySelector("[data-cc-title]");
  var cardBody = cardSection.querySelector("[data-cc-body]");
  var current = null;
  function path(c, what) { return "/api/v1/casualties/" + encodeURIComponent(c.id) + "/" + what; }

  function closeCard() { current = null; onFix = null; cardSection.hidden = true; cardBody.textContent = ""; drawMine(); }

  function openCard(c, scroll) {
    current = c;
    onFix = null;
    cardSection.hidden = false;
    cardSection.setAttribute("data-casualty", c.id);
    cardTitle.textContent = "";
    cardTitle.appendChild(M.node("span", "", M.sayParts("fd_cc_title", { tag: M.node("bdi", "", c.tag) })));
    if (c.category) cardTitle.appendChild(M.node("span", "tag cc-cat " + (COLOUR[c.category] || ""), say("fd_cat_" + c.category)));
    cardBody.textContent = "";
    cardBody.appendChild(tourniquetBlock(c));
    // The dead are treated no more: no treatments, no tourniquet put on or taken off.
    if (!c.dead) cardBody.appendChild(treatBlock(c));
    cardBody.appendChild(describeBlock(c));
    if (!c.dead) cardBody.appendChild(evacuateBlock(c));
    if (MAY_RECORD_DEATH[M.CFG.role]) cardBody.appendChild(deathBlock(c));
    drawMine();
    if (scroll) cardSection.scrollIntoView({ block: "start" });
  }

  function block(cls, title) {
    var b = M.node("div", "cc-block " + cls);
    b.appendChild(M.node("h3", "", title));
    return b;
  }

  var TQ_SITES = ["left_arm", "right_arm", "left_leg", "right_leg", "pelvis_junctional"];
  function tourniquetBlock(c) {
    var b = block("cc-tq", say("fd_cc_tq_now"));
    b.setAttribute("data-cc-tourniquet", "");
    var grid = M.node("div", "cc-grid"), line = answerLine(), on = M.node("div", "cc-on");
    on.setAttribute("data-tq-on", "");
    if (!c.dead) TQ_SITES.forEach(function (site) {
      var btn = bigButton(say("fd_cc_site_" + site), "cc-site");
      btn.setAttribute("data-tq-site", site);
      btn.addEventListener("click", function () {
        send(btn, line, path(c, "interventions"), { kind: "tourniquet", site: site }, null, function (r, at) {
          // The answer names the tourniquet (its intervention id): what takes it off later.
          c.given.push({ kind: "tourniquet", site: site, at: at, id: (r.json && r.json.id) || null });
          keep();
          said(line, true, say("fd_cc_done", { what: say("fd_cc_iv_tourniquet") + " · " + say("fd_cc_site_" + site), t: M.hhmmss(at) }));
          drawOn(on, c);
          drawMine();
        });
      });
      grid.appendChild(btn);
    });
    b.appendChild(grid); b.appendChild(line); b.appendChild(on);
    drawOn(on, c);
    return b;
  }
  // Two presses for what cannot be taken back: the first turns the button into its
  // confirmation (with a cancel beside it), the second sends. Left alone, it turns back.
  // A second press sooner than CONFIRM_GAP_MS after the first is the same press (a double
  // tap, a gloved stutter): ignored, so that nothing is confirmed without the question read.
  var CONFIRM_MS = 15000, CONFIRM_GAP_MS = 600;
  function twoPress(btn, cancel, ask, act) {
    var plain = btn.textContent, timer = null, armedAt = 0;
    function back() {
      clearTimeout(timer); timer = null;
      btn.removeAttribute("data-confirm");
      btn.textContent = ""; btn.appendChild(M.node("span", "", plain));
      cancel.hidden = true;
    }
    btn.addEventListener("click", function () {
      if (!btn.hasAttribute("data-confirm")) {
        btn.setAttribute("data-confirm", "");
        btn.textContent = ""; btn.appendChild(M.node("span", "", ask()));
        cancel.hidden = false;
        armedAt = Date.now();
        timer = setTimeout(back, CONFIRM_MS);
        return;
      }
      if (Date.now() - armedAt < CONFIRM_GAP_MS) return;
      back();
      act();
    });
    cancel.hidden = true;
    cancel.addEventListener("click", back);
  }
  function cancelButton() {
    var b = document.createElement("button");
    b.type = "button"; b.className = "cc-cancel"; b.textContent = say("fd_cc_cancel");
    b.setAttribute("data-cancel", "");
    return b;
  }

  // The tourniquets on, each with the time it went on and the minutes since (kept ticking),
  // and its "off" button (one tap and a confirmation; the answer beside it). A row is made
  // once and its line redrawn, so the ticking never undoes a confirmation half-given.
  function drawOn(el, c) {
    c.given.forEach(function (g, k) {
      if (g.kind !== "tourniquet") return;
      var row = el.querySelector('[data-tq-row="' + k + '"]');
      if (!row) row = tourniquetRow(el, c, g, k);
      var since = row.querySelector(".cc-since"), site = say("fd_cc_site_" + g.site);
      since.textContent = g.off ? say("fd_cc_tq_was", { site: site, t: M.hhmmss(g.at), off: M.hhmmss(g.off) })
        : say("fd_cc_tq_since", { site: site, t: M.hhmmss(g.at), m: String(M.minutesSince(g.at)) });
    });
  }
  function tourniquetRow(el, c, g, k) {
    var row = M.node("div", "cc-tq-row");
    row.setAttribute("data-tq-row", String(k));
    if (g.id) row.setAttribute("data-intervention", g.id);
    row.appendChild(M.node("p", "cc-since", ""));
    el.appendChild(row);
    // Put on before this page knew the tourniquet's id (kept from an older page): no button.
    if (!g.id || g.off || c.dead) return row;
    var site = say("fd_cc_site_" + g.site), off = bigButton(say("fd_cc_tq_off"), "cc-tq-off");
    off.setAttribute("data-tq-off", g.id);
    var cancel = cancelButton(), line = null;
    twoPress(off, cancel, function () { return say("fd_cc_tq_off_confirm", { site: site }); }, function () {
      // Its answer line is made on the first sending: the block's own line stays its only one.
      if (!line) { line = answerLine(); row.appendChild(line); }
      send(off, line, path(c, "interventions/end"), { intervention_id: g.id }, null, function (r, at) {
        g.off = at;
        keep();
        off.remove(); cancel.remove();
        said(line, true, say("fd_cc_done", { what: say("fd_cc_tq_off") + " · " + site, t: M.hhmmss(at) }));
        drawOn(el, c);
        drawMine();
      });
    });
    row.appendChild(off); row.appendChild(cancel);
    return row;
  }

  // A medic pronounces death at the scene (casualties.DEATH_ROLES: a medic, a registrar or
  // the patient's hospital; of these only a medic uses this page). Two presses: the first
  // says the time that will be recorded, the second records it.
  var MAY_RECORD_DEATH = { medic: true };
  function deathBlock(c) {
    var b = block("cc-death", say("fd_cc_death"));
    b.setAttribute("data-cc-death", "");
    var line = answerLine();
    line.setAttribute("data-death-answer", "");
    if (c.dead) { said(line, true, say("fd_cc_death_done", { t: M.hhmmss(c.dead) })); b.appendChild(line); return b; }
    var btn = bigButton(say("fd_cc_death_record"), "cc-death-record"), cancel = cancelButton(), when = null;
    btn.setAttribute("data-record-death", "");
    twoPress(btn, cancel, function () {
      when = serverNowIso();
      return say("fd_cc_death_confirm", { t: M.hhmmss(when) });
    }, function () {
      var at = when;
      send(btn, line, path(c, "death"), { at: at }, null, function () {
        c.dead = at;
        keep();
        btn.remove(); cancel.remove();
        // The card drawn again for the dead: no ride to hospital, no treatment, no tourniquet
        // on or off (deathBlock says the death recorded); the card leaves my list.
        if (current === c) openCard(c, false);
        else drawMine();
      });
    });
    b.appendChild(btn); b.appendChild(cancel); b.appendChild(line);
    return b;
  }

  var MAIN_CARE = ["pressure_dressing", "wound_packing", "chest_seal", "needle_decompression",
    "airway_opened", "recovery_position", "hypothermia_prevention", "tranexamic_acid"];
  var MORE_CARE = ["airway_adjunct", "rescue_breaths", "cpr", "oxygen", "iv_access", "analgesia", "splint", "burn_dressing"];
  function treatBlock(c) {
    var b = block("cc-treat", say("fd_cc_treat"));
    b.setAttribute("data-cc-treat", "");
    function grid(kinds) {
      var g = M.node("div", "cc-grid"), line = answerLine();
      kinds.forEach(function (kind) {
        var btn = bigButton(say("fd_cc_iv_" + kind), "cc-care");
        btn.setAttribute("data-care", kind);
        var given = c.given.filter(function (x) { return x.kind === kind; }).length;
        if (given) btn.setAttribute("aria-pressed", "true");
        btn.addEventListener("click", function () {
          send(btn, line, path(c, "interventions"), { kind: kind }, null, function (r, at) {
            c.given.push({ kind: kind, site: null, at: at });
            keep();
            btn.setAttribute("aria-pressed", "true");
            said(line, true, say("fd_cc_done", { what: say("fd_cc_iv_" + kind), t: M.hhmmss(at) }));
          });
        });
        g.appendChild(btn);
      });
      return [g, line];
    }
    grid(MAIN_CARE).forEach(function (el) { b.appendChild(el); });
    var more = document.createElement("details");
    more.className = "cc-more";
    more.appendChild(M.node("summary", "", say("fd_cc_more")));
    grid(MORE_CARE).forEach(function (el) { more.appendChild(el); });
    if (c.given.some(function (x) { return MORE_CARE.indexOf(x.kind) >= 0; })) more.open = true;
    b.appendChild(more);
    return b;
  }

  // Every part optional and short; what lets a family find a casualty with no name.
  var AGES = [[0, 4], [5, 12], [13, 17], [18, 29], [30, 44], [45, 59], [60, 100]];
  function describeBlock(c) {
    var d = document.createElement("details");
    d.className = "cc-block cc-describe";
    d.setAttribute("data-cc-describe", "");
    d.appendChild(M.node("summary", "", say("fd_cc_describe")));
    d.appendChild(M.node("p", "hint", say("fd_cc_describe_hint")));
    var form = document.createElement("form");
    form.noValidate = true;
    function choose(name, label, options) {
      var l = M.node("label", "", label);
      var sel = document.createElement("select");
      sel.name = name;
      [["", say("fd_cc_unknown")]].concat(options).forEach(function (o) {
        var opt = document.createElement("option");
        opt.value = o[0]; opt.textContent = o[1];
        sel.appendChild(opt);
      });
      l.appendChild(sel);
      return l;
    }
    function text(name, label, max) {
      var l = M.node("label", "", label);
      var i = document.createElement("input");
      i.name = name; i.maxLength = max; i.autocomplete = "off"; i.dir = "auto";
      l.appendChild(i);
      return l;
    }
    var three = M.node("div", "cc-three", [
      choose("sex", say("fd_cc_sex"), [["female", say("fd_cc_sex_female")], ["male", say("fd_cc_sex_male")]]),
      choose("age", say("fd_cc_age"), AGES.map(function (a) {
        return [a[0] + "-" + a[1], a[1] >= 100 ? "\u2066" + a[0] + "+\u2069" : "\u2066" + a[0] + "–" + a[1] + "\u2069"];
      })),
      choose("build", say("fd_cc_build"), ["slight", "medium", "heavy"].map(function (k) { return [k, say("fd_cc_build_" + k)]; }))
    ]);
    form.appendChild(three);
    form.appendChild(text("hair", say("fd_cc_hair"), 200));
    form.appendChild(text("clothing", say("fd_cc_clothing"), 300));
    form.appendChild(text("marks", say("fd_cc_marks"), 300));
    form.appendChild(text("name", say("fd_cc_name"), 200));
    var save = bigButton(say("fd_cc_describe_save"), "cc-save");
    save.type = "submit";
    var line = answerLine();
    line.setAttribute("data-describe-answer", "");
    form.appendChild(save); form.appendChild(line);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var f = form.elements, description = {};
      ["hair", "clothing", "marks"].forEach(function (k) { var v = f[k].value.trim(); if (v) description[k] = v; });
      ["sex", "build"].forEach(function (k) { if (f[k].value) description[k] = f[k].value; });
      if (f.age.value) {
        var span = f.age.value.split("-");
        description.age = { min_years: parseInt(span[0], 10), max_years: parseInt(span[1], 10) };
      }
      var body = { description: description }, name = f.name.value.trim();
      if (name) body.name = { full_name: name };
      if (!name && !Object.keys(description).length) { said(line, false, say("fd_cc_describe_empty")); return; }
      send(save, line, path(c, "describe"), body, form, function (r, at) {
        c.described = at;
        keep();
        said(line, true, say("fd_cc_described", { t: M.hhmmss(at) }));
      });
    });
    d.appendChild(form);
    return d;
  }

  var VEHICLES = ["ambulance", "intensive_care_ambulance", "private_car", "police", "military", "helicopter", "other"];
  // The vehicle this responder most likely drives the wounded in, chosen first (one tap to
  // change): an officer's patrol car, an off-duty officer's or a volunteer's own car, a
  // medic's ambulance.
  var OWN_VEHICLE = { police_on_duty: "police", police_off_duty: "private_car", volunteer: "private_car",
    medic: "ambulance", other: "private_car" };
  function myVehicle() {
    var mine = lastPicture && (lastPicture.responders || []).filter(function (x) { return x.id === me; })[0];
    return (mine && OWN_VEHICLE[mine.kind]) || "ambulance";
  }
  // Why a hospital ranks where it does, and why one is not offered, in the page's words from
  // the facts beside the server's English (reason_facts, excluded[].code; the codes are
  // DESTINATION_REASON_CODES and EXCLUSION_CODES in domain/hospitals.py). A code this page
  // has no words for says nothing: the English stays in the button's title.
  function reasonSaid(f) {
    var key = "fd_cc_r_" + f.code + (f.code === "away" && f.basis === "straight_line" ? "_straight_line" : "");
    if (!M.S[key]) return "";
    var m = f.code === "away" ? Math.max(1, f.minutes || 0) : f.minutes;
    return say(key, { m: m == null ? "" : String(m), n: f.n == null ? "" : String(f.n),
      w: f.on_way == null ? "" : String(f.on_way) });
  }
  function whyNot(x) {
    var key = "fd_cc_x_" + x.code;
    return say(M.S[key] ? key : "fd_cc_x_other");
  }

  function evacuateBlock(c) {
    var b = block("cc-evac", say("fd_cc_evacuate"));
    b.setAttribute("data-cc-evacuate", "");
    var line = answerLine();
    line.setAttribute("data-evacuate-answer", "");
    if (c.evac) {
      said(line, true, onWay(c.evac));
      b.appendChild(line);
      return b;
    }
    var form = document.createElement("form");
    form.className = "cc-two";
    form.addEventListener("submit", function (ev) { ev.preventDefault(); });
    var kindLabel = M.node("label", "", say("fd_cc_vehicle_kind"));
    var kind = document.createElement("select");
    kind.name = "vehicle_kind";
    VEHICLES.forEach(function (k) {
      var o = document.createElement("option");
      o.value = k; o.textContent = say("fd_cc_vk_" + k);
      kind.appendChild(o);
    });
    kind.value = myVehicle();
    kindLabel.appendChild(kind);
    var idLabel = M.node("label", "", say("fd_cc_vehicle"));
    var vehicle = document.createElement("input");
    vehicle.name = "vehicle"; vehicle.maxLength = 100; vehicle.autocomplete = "off"; vehicle.dir = "auto";
    idLabel.appendChild(vehicle);
    form.appendChild(kindLabel); form.appendChild(idLabel);
    var places = M.node("div", "cc-places");
    places.setAttribute("data-destinations", "");
    b.appendChild(form); b.appendChild(places); b.appendChild(line);

    // One command id per evacuation choice (the same ride to the same place), however
    // often it is tapped again after an answer that never came: the server records it once.
    var choiceIds = {};
    function go(btn, h) {
      var body = { vehicle_kind: kind.value, vehicle: vehicle.value.trim() };
      if (h) body.destination = h.id;
      var key = JSON.stringify(body);
      body.command_id = choiceIds[key] || (choiceIds[key] = M.uuid());
      send(btn, line, path(c, "evacuate"), body, form, function (r, at) {
        c.evac = { id: h ? h.id : null, name: h ? h.name : "", at: at };
        keep();
        said(line, true, onWay(c.evac));
        // Sent: the other choices go, the one taken stays (spent) above its answer.
        Array.prototype.forEach.call(places.querySelectorAll("button, .hint, .cc-excluded"), function (x) {
          if (x === btn) x.disabled = true; else x.remove();
        });
        kind.disabled = true; vehicle.readOnly = true;
        drawMine();
      });
    }
    function nowhere(note) {
      if (note) places.appendChild(M.node("p", "hint", note));
      var btn = bigButton(say("fd_cc_no_destination"), "cc-nowhere");
      btn.setAttribute("data-no-destination", "");
      btn.addEventListener("click", function () { go(btn, null); });
      places.appendChild(btn);
    }
    function choice(d, facts, cls) {
      var btn = document.createElement("button");
      btn.type = "button";
      btn.className = "big cc-dest" + (cls || "");
      btn.setAttribute("data-destination", d.hospital_id);
      btn.appendChild(M.node("span", "cc-dest-name", M.sayParts("fd_cc_send_to", { name: M.node("bdi", "", hospitalSaid(d)) })));
      btn.appendChild(M.node("span", "cc-dest-why", facts.join(" · ")));
      btn.title = (d.reasons || []).join("; ");
      btn.addEventListener("click", function () { go(btn, { id: d.hospital_id, name: hospitalSaid(d) }); });
      places.appendChild(btn);
    }
    function notOffered(x) {
      // What the hospital wrote (why it closed to ambulances) is its own words, isolated.
      var why = x.note ? [whyNot(x), " (", M.node("bdi", "", x.note), ")"] : whyNot(x);
      var p = M.node("p", "cc-excluded", M.sayParts("fd_cc_not_offered", {
        name: M.node("bdi", "", hospitalSaid(x)), why: M.node("span", "", why) }));
      p.setAttribute("data-excluded", x.hospital_id);
      p.title = x.reason;
      places.appendChild(p);
    }
    // Medics and responders alike (police and volunteers drive the wounded in their own
    // cars): the hospitals ranked for this casualty from where it is. With no place yet (no
    // GPS fix), every hospital by name with what its status says, so that one can still be
    // named; when a fix comes the list is drawn again, ranked (what was typed above stays).
    // A choice being sent (its button spent) or sent is never drawn over: the list an answer
    // would replace stays, and the next fix tries again (once the send has failed).
    var drawn = 0;
    function sending() { return !!c.evac || !!places.querySelector("button:disabled"); }
    function later() { if (current === c && !c.evac) onFix = redraw; }
    function redraw() {
      if (current !== c || c.evac) return true;
      if (sending()) return false;
      draw(true);
      return true;
    }
    // `again`: a fix came while the unranked list is on screen; it stays, to be tapped,
    // until the ranked one comes. A ranking refused or lost leaves it as it is (drawn, if
    // its own answer was set aside for the fix), and the next fix asks again.
    function kept(mine) {
      if (!places.querySelector("[data-no-destination]")) unranked(mine);
      later();
    }
    function draw(again) {
      var mine = ++drawn;
      var at = c.lat != null ? { lat: c.lat, lon: c.lon } : fix;
      if (!again) {
        places.textContent = "";
        places.setAttribute("data-ranked", at ? "true" : "false");
        places.appendChild(M.node("p", "hint", say("fd_cc_finding")));
      }
      if (!at) { unranked(mine); return false; }
      var q = "/api/v1/hospitals/recommendation?lat=" + at.lat.toFixed(6) + "&lon=" + at.lon.toFixed(6) +
        (c.category ? "&category=" + c.category : "") + (c.child ? "&child=true" : "");
      M.api("GET", q).then(function (rec) {
        if (mine !== drawn) return;
        if (sending()) { later(); return; }
        if (!rec.ok && again) { kept(mine); return; }
        places.textContent = "";
        places.setAttribute("data-ranked", "true");
        if (!rec.ok) { nowhere(refusal(rec, null, places)); return; }
        var ranked = rec.json.ranked || [];
        ranked.forEach(function (d, i) {
          var facts = [], locked = false;
          if (i === 0) facts.push(say("fd_cc_recommended"));
          (d.reason_facts || [{ code: "away", minutes: Math.round(d.travel_minutes) }]).forEach(function (f) {
            var found = reasonSaid(f);
            if (found && facts.indexOf(found) < 0) facts.push(found);
            if (f.code === "lockdown") locked = true;
          });
          choice(d, facts, (i === 0 ? " cc-first" : "") + (locked ? " cc-locked" : ""));
        });
        (rec.json.excluded || []).forEach(notOffered);
        if (!ranked.length) nowhere(say("fd_cc_no_hospital"));
      }, function () {
        if (mine !== drawn) return;
        if (sending()) { later(); return; }
        if (again) { kept(mine); return; }
        places.textContent = ""; places.setAttribute("data-ranked", "true"); nowhere(say("fd_not_sent"));
      });
      return true;
    }
    function unranked(mine) {
      M.api("GET", "/api/v1/hospitals/destinations").then(function (rec) {
        if (mine !== drawn) return;
        if (sending()) return;
        places.textContent = "";
        if (!rec.ok) { nowhere(say("fd_cc_no_place")); return; }
        places.appendChild(M.node("p", "hint cc-unranked", say("fd_cc_unranked")));
        var all = (rec.json.hospitals || []).slice().sort(function (x, y) {
          return hospitalSaid(x).localeCompare(hospitalSaid(y), LANG);
        });
        all.forEach(function (d) {
          var facts = [], locked = false;
          (d.reason_facts || []).forEach(function (f) {
            var found = reasonSaid(f);
            if (found && facts.indexOf(found) < 0) facts.push(found);
            if (f.code === "lockdown") locked = true;
          });
          choice(d, facts, locked ? " cc-locked" : "");
        });
        (rec.json.excluded || []).forEach(notOffered);
        // Dispatch can still decide where, as before: one more choice, last.
        nowhere("");
      }, function () {
        if (mine !== drawn || sending()) return;
        places.textContent = ""; nowhere(say("fd_cc_no_place"));
      });
    }
    // Drawn again, ranked, at the first fix; not while a choice is being sent, nor once sent.
    if (!draw(false)) onFix = redraw;
    return b;
  }
  // A hospital in the page's language where it has a name in it, else its name of record.
  function hospitalSaid(h) { return M.named(h, h.hospital_id); }
  function onWay(e) {
    return e.name ? M.sayParts("fd_cc_on_way", { name: M.node("bdi", "", e.name), t: M.hhmmss(e.at) })
      : say("fd_cc_evacuated", { t: M.hhmmss(e.at) });
  }

  // The casualties I recorded that are still at the scene: one tap goes back to one.
  var mineSection = document.querySelector("[data-mine]"), mineList = mineSection.querySelector("[data-mine-list]");
  function drawMine() {
    mineList.textContent = "";
    var here = cards.filter(function (c) { return !c.evac && !c.dead; });
    here.forEach(function (c) {
      var li = document.createElement("li");
      var btn = document.createElement("button");
      btn.type = "button"; btn.className = "cc-mine-item";
      btn.setAttribute("data-open-casualty", c.id);
      if (current && current.id === c.id) btn.setAttribute("aria-current", "true");
      btn.appendChild(M.node("bdi", "cc-mine-tag", c.tag));
      if (c.category) btn.appendChild(M.node("span", "tag cc-cat " + (COLOUR[c.category] || ""), say("fd_cat_" + c.category)));
      var tq = c.given.filter(function (g) { return g.kind === "tourniquet" && !g.off; })[0];
      if (tq) btn.appendChild(M.node("span", "cc-mine-tq", say("fd_cc_tq_short", { m: String(M.minutesSince(tq.at)) })));
      btn.addEventListener("click", function () { openCard(c, true); });
      li.appendChild(btn);
      mineList.appendChild(li);
    });
    mineSection.hidden = !here.length;
  }
  // The minutes a tourniquet has been on go on counting while the card is open.
  setInterval(function () {
    if (current) { var on = cardBody.querySelector("[data-tq-on]"); if (on) drawOn(on, current); }
    drawMine();
  }, 30000);

  /* --- live -------------------------------------------------------------------------------- */

  var soon = null, wasDown = false;
  renderOutbox();
  M.api("GET", "/api/v1/accounts/me").then(function (r) {
    if (!r.ok) return;
    me = r.json.account_id;
    loadKept();
    pump();  // what this account kept on the phone (pressed offline, then the page reloaded)
    var feed = new M.LiveFeed({
      after: 0,
      onEvent: function () { if (!soon) soon = setTimeout(function () { soon = null; refresh(); }, 200); },
      onState: function (up, fd) {
        document.body.classList.toggle("lost", !up);
        var banner = document.getElementById("banner");
        banner.hidden = up;
        if (up && wasDown) { clearNotSent(); pump(); }  // back: what said "no connection" is past
        wasDown = !up;
        if (!up) banner.textContent = say("connection_lost", { t: M.hhmmss(fd.lastAt) }) + " · " + say("reconnecting");
      }
    });
    // Only what happens after the first picture (never the whole log from 0, never a second
    // copy of the picture only for its position).
    onPicture = function (p) { feed.after = p.position || 0; feed.open(); };
    refresh();
    // The first picture may fail on a bad network: ask again until there is one.
    var firstTry = setInterval(function () { if (!onPicture) clearInterval(firstTry); else refresh(); }, 5000);
  });
})();
