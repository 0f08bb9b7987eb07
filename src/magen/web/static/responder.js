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

  function answer(r) {
    if (r.ok) return true;
    if (r.status === 404 && /check in/i.test((r.json && r.json.reason) || "")) showCheckIn(true);
    fail(say("error", { reason: (r.json && r.json.reason) || r.status }));
    return false;
  }

  /* --- map -------------------------------------------------------------------------------- */

  var mapEl = document.getElementById("map");
  mapEl.setAttribute("dir", "ltr");
  var map = MagenTown.create(mapEl, {});
  map.setView([31.7615, 35.216], 15);
  MagenTown.load(map, { zones: false }).then(function (t) { if (t && t.bounds && !fix) map.fitBounds(t.bounds); });
  var meMarker = null;
  var task = L.layerGroup().addTo(map);

  /* --- who am I, am I on duty ------------------------------------------------------------- */

  function showCheckIn(show) { document.querySelector("[data-checkin]").hidden = !show; }

  function refresh() {
    M.api("GET", "/api/v1/picture").then(function (r) {
      if (!r.ok) return;
      var p = r.json;
      var mine = (p.responders || []).filter(function (x) { return x.id === me; })[0];
      showCheckIn(!mine);
      if (mine) markStatus(mine.status);
      drawAssignment(p);
      document.body.dataset.ready = "1";
    });
  }

  function drawAssignment(p) {
    task.clearLayers();
    var box = document.querySelector("[data-assignment]");
    var a = (p.assignments || []).filter(function (x) { return x.responder_id === me && !x.done; })[0];
    if (!a) { box.innerHTML = "<p>" + say("no_assignment") + "</p>"; return; }
    box.innerHTML = "";
    var h = document.createElement("p");
    h.className = "action";
    h.textContent = (a.title || a.kind || "") + (a.text ? " · " + a.text : "");
    box.appendChild(h);
    if (a.lat != null) L.circleMarker([a.lat, a.lon], { radius: 10, color: "#b00020", weight: 3, fill: false }).addTo(task);
    if (a.route && a.route.length) {
      var line = L.polyline(a.route.map(function (c) { return [c[1], c[0]]; }), { color: "#1f6feb", weight: 5 }).addTo(task);
      map.fitBounds(line.getBounds(), { padding: [20, 20] });
    }
  }

  function markStatus(st) {
    document.querySelector("[data-current-status]").textContent = say("st_" + st);
    var buttons = document.querySelectorAll("[data-status]");
    for (var i = 0; i < buttons.length; i++) buttons[i].setAttribute("aria-pressed", buttons[i].dataset.status === st ? "true" : "false");
  }

  document.querySelector("[data-checkin-form]").addEventListener("submit", function (ev) {
    ev.preventDefault();
    var kind = ev.target.elements.kind.value;
    var body = { kind: kind };
    if (fix) body.where = { lat: fix.lat, lon: fix.lon, accuracy_m: fix.accuracy };
    M.command("/api/v1/responders/check-in", body).then(function (r) {
      if (answer(r)) { tell(say("st_available")); showCheckIn(false); markStatus("available"); }
    });
  });

  var statusButtons = document.querySelectorAll("[data-status]");
  for (var i = 0; i < statusButtons.length; i++) {
    (function (b) {
      b.addEventListener("click", function () {
        b.disabled = true;
        M.command("/api/v1/responders/status", { status: b.dataset.status }).then(function (r) {
          b.disabled = false;
          if (answer(r)) { markStatus(b.dataset.status); tell(say("st_" + b.dataset.status)); }
        }, function () { b.disabled = false; fail(say("offline")); });
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
      .then(function (r) { if (r.status === 404) showCheckIn(true); }, function () { sentFix = null; });
  }

  if (navigator.geolocation) {
    navigator.geolocation.watchPosition(function (pos) {
      var first = !fix;
      fix = { lat: pos.coords.latitude, lon: pos.coords.longitude, accuracy: Math.round(pos.coords.accuracy) };
      var ll = [fix.lat, fix.lon];
      if (meMarker) meMarker.setLatLng(ll);
      else meMarker = L.circleMarker(ll, { radius: 7, color: "#fff", weight: 2, fillColor: "#1f6feb", fillOpacity: 1 }).addTo(map);
      if (first) map.setView(ll, 17);
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
    M.command("/api/v1/sightings", body).then(function (r) { if (answer(r)) { tell(say("report_sent", { t: M.hhmmss() })); f.reset(); } },
      function () { fail(say("offline")); });
  });

  /* --- triage ----------------------------------------------------------------------------- */

  var box = document.querySelector("[data-triage]");
  var protocol = "start", answers = {};

  function post(body) {
    return fetch("/responder/triage", {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json" },
      body: JSON.stringify(body)
    }).then(function (r) { return r.json(); });
  }

  function step() {
    post({ protocol: protocol, answers: answers }).then(function (j) {
      box.innerHTML = "";
      if (!j.ok) { fail(j.reason); return; }
      if (j.result) {
        var tag = document.createElement("div");
        tag.className = "tag " + j.result.colour;
        tag.textContent = j.result.category.toUpperCase();
        var why = document.createElement("p");
        why.textContent = j.result.explain;
        var again = document.createElement("button");
        again.type = "button"; again.className = "big"; again.textContent = say("triage_again");
        again.addEventListener("click", reset);
        box.appendChild(tag); box.appendChild(why); box.appendChild(again);
        return;
      }
      var q = j.question;
      var h = document.createElement("p");
      h.className = "action";
      h.textContent = q.text;
      box.appendChild(h);
      if (q.kind === "count") {
        var input = document.createElement("input");
        input.type = "number"; input.min = "1"; input.max = "150"; input.inputMode = "numeric";
        var ok = document.createElement("button");
        ok.type = "button"; ok.className = "big"; ok.textContent = (q.unit || "") + " ✓";
        ok.addEventListener("click", function () {
          var v = parseInt(input.value, 10);
          if (v > 0) { answers[q.id] = v; step(); }
        });
        box.appendChild(input); box.appendChild(ok);
        return;
      }
      q.options.forEach(function (o) {
        var b = document.createElement("button");
        b.type = "button"; b.className = "big"; b.textContent = o.text;
        b.addEventListener("click", function () {
          answers[q.id] = q.kind === "yes_no" ? o.id === "yes" : o.id;
          step();
        });
        box.appendChild(b);
      });
    });
  }

  function reset() {
    answers = {};
    box.innerHTML = "";
    var label = document.createElement("label");
    label.className = "choice";
    var child = document.createElement("input");
    child.type = "checkbox";
    label.appendChild(child);
    label.appendChild(document.createTextNode(" " + say("triage_child")));
    var start = document.createElement("button");
    start.type = "button"; start.className = "big"; start.textContent = say("triage_start");
    start.addEventListener("click", function () { protocol = child.checked ? "jumpstart" : "start"; step(); });
    box.appendChild(label); box.appendChild(start);
  }
  box.querySelector("[data-triage-start]").addEventListener("click", function () {
    protocol = box.querySelector("[data-child]").checked ? "jumpstart" : "start";
    step();
  });

  /* --- live -------------------------------------------------------------------------------- */

  var soon = null;
  M.api("GET", "/api/v1/accounts/me").then(function (r) {
    if (!r.ok) return;
    me = r.json.account_id;
    refresh();
    var feed = new M.LiveFeed({
      after: 0,
      onEvent: function () { if (!soon) soon = setTimeout(function () { soon = null; refresh(); }, 200); },
      onState: function (up, fd) {
        var banner = document.getElementById("banner");
        banner.hidden = up;
        if (!up) banner.textContent = say("connection_lost", { t: M.hhmmss(fd.lastAt) }) + " · " + say("reconnecting");
      }
    });
    // Only what happens from now on: the picture above is already current.
    M.api("GET", "/api/v1/picture").then(function (p) { feed.after = p.ok ? p.json.position : 0; feed.open(); });
  });
})();
