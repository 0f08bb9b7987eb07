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
  var sentFix = null, sentAt = 0;
  var statusLine = document.querySelector("[data-status-line]");
  var errorLine = document.querySelector("[data-error]");

  function tell(text) { errorLine.hidden = true; statusLine.textContent = text; statusLine.hidden = !text; }
  function fail(text) { statusLine.hidden = true; errorLine.textContent = text; errorLine.hidden = !text; }

  // Why a command was refused, in the page's language (the server's reason is English, for
  // logs: it is kept in the line's title, not shown in a Hebrew or Arabic sentence).
  // With the form it came from, a refused field is named by its label and the rule it broke
  // ("Call sign: at most 40 characters"), and marked on the form.
  function refusal(r, form) {
    var st = r.status, raw = (r.json && r.json.reason) || String(st);
    var found = form && st === 400 ? M.fieldRefused(r, form) : null;
    if (form) M.markRefused(form, found);
    var key = notCheckedIn(r) ? "fd_err_check_in" : st === 403 ? "fd_err_forbidden" :
      st === 404 ? "fd_err_not_found" : st === 409 ? "fd_err_conflict" : st === 429 ? "fd_err_busy" :
      st >= 500 ? "fd_err_server" : "fd_err_invalid";
    errorLine.title = raw;
    var ruled = notCheckedIn(r) ? "" : M.refusedFor(r);  // my own check-in: fd_err_check_in
    if (ruled && r.json.rule === "assignment_moved_on") refresh();  // show the task as it is now
    return say("error", { reason: found ? found.text : ruled || say(key) });
  }
  function notCheckedIn(r) { return r.status === 404 && (r.json && r.json.rule) === "not_checked_in"; }

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
      var stale = t.status === "stale";
      L.circleMarker([t.lat, t.lon], {
        radius: 8, color: "#fff", weight: 2, fillColor: stale ? "#888" : "#b00020", fillOpacity: 0.95,
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
  var skewMs = 0, alertTimer = null;
  function drawAlerts(p) {
    if (p.generated_at) skewMs = new Date(p.generated_at).getTime() - Date.now();
    var now = Date.now() + skewMs, found = M.inForce(p.alerts, now), items = found.items, next = found.next;
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
      var id = a.id || a.assignment_id;
      M.command("/api/v1/dispatch/assignments/" + encodeURIComponent(id) + "/" + next[0], {}).then(function (r) {
        b.disabled = false;
        if (answer(r)) { tell(say(next[1])); refresh(); }
      }, function () { b.disabled = false; fail(say("fd_not_sent")); });
    });
    box.appendChild(b);
  }

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
    var target = targetOf(p, a);
    var route = a.route && a.route.geometry && a.route.geometry.type === "LineString" ? a.route : null;
    var h = document.createElement("p");
    h.className = "action";
    h.setAttribute("data-task", a.status);
    var kind = targetRef(a).kind === "track" ? "fd_task_track" : target && (target.sos_ids || String(target.id || "").indexOf("sos_") === 0) ? "fd_task_sos" : "fd_task_incident";
    h.textContent = say(kind) + " · " + say("task_" + a.status) +
      (target && target.people != null ? " · " + say("sos_line", { people: target.people, injured: target.injured, children: target.children }) : "") +
      (route ? " · " + say("travel_min", { m: Math.max(1, Math.ceil(route.properties.travel_s / 60)) }) : "") +
      (a.note ? " · " + a.note : "");
    box.appendChild(h);
    // A silent SOS: the caller is hiding; a ring or a shout can give them away.
    if (target && target.silent) {
      var hush = document.createElement("p");
      hush.className = "error";
      hush.setAttribute("data-silent-task", "");
      hush.textContent = say("fd_task_silent");
      box.appendChild(hush);
    }
    stepButton(box, a);
    lastTask = { target: target, route: route };
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
          M.command("/api/v1/callups/" + encodeURIComponent(c.id) + "/ack", { coming: pair[0] }).then(function (r) {
            if (answer(r)) { tell(say(pair[1])); refresh(); } else b.disabled = false;
          }, function () { b.disabled = false; fail(say("fd_not_sent")); });
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

  document.querySelector("[data-checkin-form]").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var kind = ev.target.elements.kind.value;
    var body = { kind: kind, callsign: ev.target.elements.callsign.value.trim() };
    if (fix) body.where = { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy };
    M.command("/api/v1/responders/check-in", body).then(function (r) {
      if (answer(r, ev.target)) { tell(say("st_available")); showCheckIn(false); markStatus("available"); }
    }, function () { fail(say("fd_not_sent")); });
  });

  var statusButtons = document.querySelectorAll("[data-status]");
  for (var i = 0; i < statusButtons.length; i++) {
    (function (b) {
      b.addEventListener("click", function () {
        b.disabled = true;
        M.command("/api/v1/responders/status", { status: b.dataset.status }).then(function (r) {
          b.disabled = false;
          if (answer(r)) { markStatus(b.dataset.status); tell(say("st_" + b.dataset.status)); }
        }, function () { b.disabled = false; fail(say("fd_not_sent")); });
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

  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(function (pos) {
      var first = !fix;
      fix = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: Math.round(pos.coords.accuracy) };
      drawMe(first);
      sendPosition();
    }, function () { /* keep the last fix */ }, { enableHighAccuracy: true, maximumAge: 5000 });
  }

  /* --- one-tap sighting ------------------------------------------------------------------- */

  document.querySelector("[data-sighting-form]").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var f = ev.target;
    if (!fix) { fail(say("gps_failed")); return; }
    var body = {
      where: { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy },
      mobility: f.elements.mobility.value
    };
    var n = parseInt(f.elements.count.value, 10);
    if (n > 0) body.count = n;
    M.command("/api/v1/sightings", body).then(function (r) { if (answer(r, f)) { tell(say("report_sent", { t: M.hhmmss() })); f.reset(); } },
      function () { fail(say("fd_not_sent")); });
  });

  /* --- triage (the questions and their order come from the server: people/triage.py) ---- */

  var LANG = document.documentElement.lang || "en";
  var COLOUR = { minor: "green", delayed: "yellow", immediate: "red", expectant: "black" };
  var box = document.querySelector("[data-triage]");
  var protocol = "start", child = false, answers = {};

  function words(t) { return (t && (t[LANG] || t.en)) || ""; }

  function step() {
    M.api("POST", "/api/v1/triage/step", { protocol: protocol, answers: answers }).then(function (r) {
      box.innerHTML = "";
      if (!r.ok) { fail(refusal(r)); return; }
      var j = r.json;
      if (j.done) return result(j);
      var q = j.question;
      var h = document.createElement("p");
      h.className = "action";
      h.textContent = words(q.text);
      box.appendChild(h);
      if (q.kind === "count") {
        var input = document.createElement("input");
        input.type = "number"; input.min = "1"; input.max = "150"; input.inputMode = "numeric";
        var ok = document.createElement("button");
        ok.type = "button"; ok.className = "big"; ok.textContent = "✓";
        ok.addEventListener("click", function () {
          var v = parseInt(input.value, 10);
          if (v > 0) { answers[q.id] = v; step(); }
        });
        box.appendChild(input); box.appendChild(ok);
        return;
      }
      q.options.forEach(function (o) {
        var b = document.createElement("button");
        b.type = "button"; b.className = "big"; b.textContent = words(o.text);
        b.addEventListener("click", function () {
          answers[q.id] = q.kind === "yes_no" ? o.id === "yes" : o.id;
          step();
        });
        box.appendChild(b);
      });
    }, function () { fail(say("fd_not_sent")); });
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
    record.addEventListener("click", function () {
      var t = number.value.trim();
      if (!t) { number.focus(); return; }
      var body = { tag: t, protocol: protocol, answers: answers, looks_like_child: child };
      if (fix) body.where = { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy };
      record.disabled = true;
      M.command("/api/v1/casualties", body).then(function (r) {
        record.disabled = false;
        if (answer(r)) { tell(say("casualty_recorded", { tag: t })); record.hidden = true; }
      }, function () { record.disabled = false; fail(say("fd_not_sent")); });
    });
    var again = document.createElement("button");
    again.type = "button"; again.className = "big"; again.textContent = say("triage_again");
    again.setAttribute("data-again", "");
    again.addEventListener("click", reset);
    [tag, why, label, record, again].forEach(function (el) { box.appendChild(el); });
  }

  function start(isChild) {
    child = isChild;
    protocol = isChild ? "jumpstart" : "start";
    answers = {};
    step();
  }

  function reset() {
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

  /* --- live -------------------------------------------------------------------------------- */

  var soon = null;
  M.api("GET", "/api/v1/accounts/me").then(function (r) {
    if (!r.ok) return;
    me = r.json.account_id;
    var feed = new M.LiveFeed({
      after: 0,
      onEvent: function () { if (!soon) soon = setTimeout(function () { soon = null; refresh(); }, 200); },
      onState: function (up, fd) {
        document.body.classList.toggle("lost", !up);
        var banner = document.getElementById("banner");
        banner.hidden = up;
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
