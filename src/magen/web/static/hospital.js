/* The hospital desk: the hospital's reported status and a form to report a new one, and the
   patients on their way to it or in it, with the steps the desk records (arrived, admitted,
   discharged). Data comes from GET /api/v1/hospitals and GET /api/v1/casualties; every live
   event (WebSocket) schedules a fresh read, and a lost feed or a failed read puts up a STALE
   banner and greys the page: nothing old is shown as current. */
(function () {
  "use strict";

  var M = window.Magen;
  var say = M.say;
  var CFG = M.CFG;
  var H = CFG.hospital || {};
  var HID = H.id;
  var STALE_MIN = CFG.stale_after_min;  // the server's limit (pages.STATUS_STALE_AFTER_MIN)
  var ACTS = CFG.role === "hospital";  // arrivals, admissions, discharges: the hospital's own
  var RANK = { immediate: 0, delayed: 1, minor: 2, expectant: 3 };

  var banner = document.getElementById("banner");
  var said = document.querySelector("[data-said]");
  var form = document.querySelector("[data-status-form]");
  var formError = document.querySelector("[data-form-error]");

  /* --- the server's clock, so ages are right when this machine's clock is off ------------- */

  // common.js keeps it: learnt from the picture read at the start and the feed's heartbeats.
  var serverNow = M.serverNow;
  function minsAgo(iso) { return M.minutesSince(iso); }
  function hhmm(iso) {
    return new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit", hourCycle: "h23", numberingSystem: "latn", timeZone: M.TZ });
  }

  var node = M.node, joined = M.joined;  // text only, never parsed as HTML

  // A number range keeps its order in a right-to-left line ("30–40", not "40–30").
  function ltr(s) { return "\u2066" + s + "\u2069"; }

  function tell(text) { said.textContent = text; said.hidden = !text; }

  // A refusal in the desk's words: the server's reasons are English (a validation message,
  // a rule), kept on the element's title for whoever supports the desk.
  var REFUSED = { 400: "hospital_err_invalid", 403: "hospital_err_forbidden", 404: "hospital_err_gone",
    409: "hospital_err_changed", 422: "hospital_err_changed", 429: "hospital_err_busy", 503: "hospital_err_down" };
  function refuse(box, r) {
    // The rule the answer names, in the page's words (common.js), else by status.
    box.textContent = M.refusedFor(r) || say(REFUSED[r.status] || "hospital_err_other", { code: r.status });
    box.title = (r.json && r.json.reason) || "";
    box.hidden = false;
  }
  // What a field is called on the form: its label, after its group's legend when it has one
  // ("Beds available — Emergency department", "Patients now — Red").
  function fieldName(el) {
    var label = el.closest("label");
    var own = label && label.firstChild && label.firstChild.nodeType === 3 ? label.firstChild.textContent.trim() : el.name;
    var set = el.closest("fieldset");
    var legend = set && set.querySelector("legend");
    return legend ? legend.textContent.trim() + " — " + own : own;
  }
  // A field the desk must correct: marked, and named in the message.
  function FieldError(el, key) {
    var e = new Error(say(key, { field: fieldName(el) }));
    e.field = el;
    return e;
  }

  /* --- what is on screen, and whether it is current -------------------------------------- */

  var hospital = null;      // this hospital as GET /api/v1/hospitals gives it
  var patients = null;      // its casualties as GET /api/v1/casualties gives them
  var currentAt = null;     // server time at which the data shown was known current
  var loadError = null;     // why the latest read failed, if it did
  var feed = null;
  var feedUp = false;
  var started = Date.now();

  function liveness() {
    var problem = null;
    var at = currentAt ? M.hhmmss(currentAt) : "—";
    if (loadError) problem = say("hospital_load_failed", { reason: loadError, t: at });
    // A feed that is down (or never came up within a few seconds) cannot tell us of changes.
    else if (!feedUp && (feed && feed.everUp || Date.now() - started > 8000)) problem = say("hospital_stale", { t: at });
    banner.hidden = !problem;
    banner.textContent = problem || "";
    document.body.classList.toggle("lost", !!problem);
    var asof = document.querySelector("[data-asof]");
    asof.textContent = !currentAt ? say("hospital_loading") : say(problem ? "hospital_data_as_of" : "hospital_updated", { t: at });
    asof.classList.toggle("bad", !!problem);
  }

  var loading = false, again = false, lastLoad = 0, timer = null;
  function load() {
    if (loading) { again = true; return; }
    loading = true;
    lastLoad = Date.now();
    var asked = serverNow();
    Promise.all([M.api("GET", "/api/v1/hospitals"), M.api("GET", "/api/v1/casualties")]).then(function (rs) {
      loading = false;
      var bad = rs.filter(function (r) { return !r.ok; })[0];
      if (bad) {
        loadError = String(bad.status);  // the server's reason is English: its code is not
        setTimeout(loadSoon, 3000);
      } else {
        var mine = rs[0].json.filter(function (h) { return h.id === HID; })[0];
        if (!mine) loadError = say("hospital_unknown", { id: HID });
        else {
          loadError = null;
          hospital = mine;
          patients = rs[1].json.filter(function (c) { return c.destination === HID || c.hospital_id === HID; });
          currentAt = asked;
          drawStatus();
          drawPatients();
          document.body.dataset.ready = "1";
        }
      }
      liveness();
      if (again) { again = false; loadSoon(); }
    }, function () {
      loading = false;
      loadError = say("hospital_no_connection");
      liveness();
      setTimeout(loadSoon, 3000);
    });
  }

  // Live events come in bursts: read at most every 1.5 s, and never miss the last one.
  function loadSoon() {
    if (timer) return;
    var wait = Math.max(50, 1500 - (Date.now() - lastLoad));
    timer = setTimeout(function () { timer = null; load(); }, wait);
  }

  function startFeed(after) {
    feed = new M.LiveFeed({
      after: after,
      onEvent: function () { loadSoon(); },
      onState: function (up, fd, frame) {
        if (frame && frame.kind === "heartbeat") {
          // A heartbeat after the last read, with no read waiting: what is shown is current.
          if (!loading && !timer && !loadError) currentAt = serverNow();
        }
        if (up && !feedUp) { feedUp = true; fd.everUp = true; load(); }
        else if (!up) feedUp = false;
        liveness();
      }
    });
    feed.open();
  }

  /* --- the status ----------------------------------------------------------------------- */

  var COLOURS = ["red", "yellow", "green", "black"];

  // A colour the hospital did not report is null: said so, never shown as 0.
  function colourLine(tc) {
    return joined(COLOURS.map(function (c) {
      var known = tc[c] != null;
      var span = node("span", "cc c-" + c, [say("hospital_" + c) + " ",
        known ? node("b", "", [tc[c]]) : say("hospital_not_stated")]);
      span.dataset.colour = known ? "reported" : "not-reported";
      return span;
    }), " ");
  }

  function drawStatus() {
    var s = hospital.status || {};
    var rows = [];
    function row(key, value, cls) { rows.push(node("div", cls, [node("dt", "", [say(key)]), node("dd", "", value)])); }
    if (s.ems_traffic) {
      row("hospital_ems_traffic", [say("hospital_ems_" + s.ems_traffic), s.ems_traffic_reason ? [" — ", bdi(s.ems_traffic_reason)] : null],
        s.ems_traffic === "Normal" ? "" : "alert");
    }
    if (s.ems_capacity) row("hospital_capacity", colourLine(s.ems_capacity));
    if (s.census) row("hospital_census", colourLine(s.census));
    if (s.beds && s.beds.length) {
      row("hospital_beds", joined(s.beds.map(function (b) {
        return node("span", "bed", [say("hospital_bed_" + b.bed_type) + " ", node("b", "", [b.available]),
          b.baseline != null ? "/" + b.baseline : null]);
      }), " "));
    }
    if (s.security) row("hospital_security", [say("hospital_security_" + s.security)], s.security === "Normal" ? "" : "alert");
    if (s.facility) row("hospital_facility", [say("hospital_facility_" + s.facility)], s.facility === "Normal" ? "" : "alert");
    if (s.staffing) row("hospital_staffing", [say("hospital_staffing_" + s.staffing)], s.staffing === "Adequate" ? "" : "alert");
    if (s.clinical) row("hospital_clinical", [say("hospital_clinical_" + s.clinical)], s.clinical === "Normal" ? "" : "alert");
    if (s.offload) {
      row("hospital_offload", [say("hospital_offload_" + s.offload.status) +
        (s.offload.minutes != null ? " · " + say("hospital_minutes", { m: s.offload.minutes }) : "")], s.offload.status === "Normal" ? "" : "alert");
    }
    if (s.comments && s.comments.length) row("hospital_comments_title", joined(s.comments.map(bdi), function () { return node("br"); }));
    var dl = document.querySelector("[data-summary]");
    dl.replaceChildren.apply(dl, rows);
    drawAge();
    prefill();
  }

  function drawAge() {
    var el = document.querySelector("[data-status-age]");
    if (!hospital) return;
    if (!hospital.status_at) {
      el.textContent = say("hospital_never_reported");
      el.className = "age old";
      el.dataset.age = "never";
      return;
    }
    var m = minsAgo(hospital.status_at);
    var old = m >= STALE_MIN;
    el.textContent = old ? say("hospital_status_old", { m: m }) : say("hospital_reported_ago", { m: m, t: hhmm(hospital.status_at) });
    el.className = "age" + (old ? " old" : "");
    el.dataset.age = old ? "old" : "fresh";
  }

  /* The form shows the last reported status until someone starts changing it; a report from
     elsewhere (another desk, an operator relaying) then does not overwrite what is typed. */
  var dirty = false;
  var prefilledAt = undefined;
  form.addEventListener("input", function () { dirty = true; });

  function setField(name, value) {
    var el = form.elements[name];
    if (el) el.value = value == null ? "" : String(value);
  }

  function prefill() {
    if (dirty || prefilledAt === hospital.status_at) return;
    prefilledAt = hospital.status_at;
    form.reset();
    var s = hospital.status || {};
    ["ems_traffic", "security", "facility", "staffing", "clinical"].forEach(function (k) { setField(k, s[k]); });
    setField("ems_traffic_reason", s.ems_traffic_reason);
    ["ems_capacity", "census"].forEach(function (g) {
      COLOURS.forEach(function (c) { setField(g + "." + c, s[g] ? s[g][c] : ""); });
    });
    (s.beds || []).forEach(function (b) {
      setField("bed." + b.bed_type, b.available);
      var el = form.elements["bed." + b.bed_type];
      if (el && el.closest("details")) el.closest("details").open = true;
    });
    setField("offload", s.offload ? s.offload.status : "");
    setField("offload_minutes", s.offload ? s.offload.minutes : "");
    setField("comments", (s.comments || []).join("\n"));
    document.querySelector("[data-prefilled]").hidden = !hospital.status_at;
  }

  function number(name) {
    var el = form.elements[name];
    // A number input holding what is not a number reads as "": its validity says so.
    if (el && el.validity && el.validity.badInput) throw FieldError(el, "hospital_bad_number");
    var v = el ? el.value.trim() : "";
    if (v === "") return null;
    var n = Number(v);
    if (!isFinite(n) || n < 0 || Math.floor(n) !== n) throw FieldError(el, "hospital_bad_number");
    return n;
  }

  function collect() {
    var s = {};
    ["ems_traffic", "security", "facility", "staffing", "clinical"].forEach(function (k) {
      if (form.elements[k].value) s[k] = form.elements[k].value;
    });
    var reason = form.elements.ems_traffic_reason.value.trim();
    // A reason or a wait without the status it explains would be dropped unseen: say so.
    if (reason && !s.ems_traffic) throw FieldError(form.elements.ems_traffic, "hospital_need_choice");
    if (reason) s.ems_traffic_reason = reason;
    // A colour left blank is not reported (left out), not 0.
    ["ems_capacity", "census"].forEach(function (g) {
      var counts = {}, any = false;
      COLOURS.forEach(function (c) { var n = number(g + "." + c); if (n !== null) { counts[c] = n; any = true; } });
      if (any) s[g] = counts;
    });
    var old = {};
    ((hospital && hospital.status.beds) || []).forEach(function (b) { old[b.bed_type] = b; });
    var beds = [];
    Array.prototype.forEach.call(form.querySelectorAll("input[name^='bed.']"), function (el) {
      var type = el.name.slice(4);
      var n = number(el.name);
      if (n === null) return;
      var bed = { bed_type: type, available: n };
      if (old[type] && old[type].baseline != null) bed.baseline = old[type].baseline;
      beds.push(bed);
    });
    if (beds.length) s.beds = beds;
    var offload = form.elements.offload.value;
    var minutes = number("offload_minutes");
    if (minutes !== null && !offload) throw FieldError(form.elements.offload, "hospital_need_choice");
    if (offload) s.offload = minutes === null ? { status: offload } : { status: offload, minutes: minutes };
    var comments = form.elements.comments.value.split("\n").map(function (l) { return l.trim(); })
      .filter(Boolean).slice(0, 20).map(function (l) { return l.slice(0, 1000); });
    if (comments.length) s.comments = comments;
    return s;
  }

  // One id per content: a resend after a failed network is the same report, recorded once.
  var pendingStatus = null;
  var formDone = document.querySelector("[data-form-done]");
  form.addEventListener("input", function () { formDone.hidden = true; });
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    formError.hidden = true;
    formError.title = "";
    formDone.hidden = true;
    Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (i) { i.removeAttribute("aria-invalid"); });
    var status;
    try { status = collect(); } catch (e) {
      formError.textContent = e.message;
      formError.hidden = false;
      if (e.field) {
        e.field.setAttribute("aria-invalid", "true");
        var shut = e.field.closest("details");
        if (shut) shut.open = true;
        e.field.focus();
      }
      return;
    }
    if (!Object.keys(status).length) { formError.textContent = say("hospital_status_empty"); formError.hidden = false; return; }
    var json = JSON.stringify(status);
    if (!pendingStatus || pendingStatus.json !== json) pendingStatus = { json: json, id: M.uuid() };
    var button = form.querySelector("[data-send-status]");
    button.disabled = true;
    M.command("/api/v1/hospitals/" + encodeURIComponent(HID) + "/status", { command_id: pendingStatus.id, status: status }).then(function (r) {
      button.disabled = false;
      if (!r.ok) { refuse(formError, r); return; }
      pendingStatus = null;
      dirty = false;
      prefilledAt = undefined;
      // On the server's clock, as the report's own time is shown (this machine's may be off);
      // said beside the button pressed too, which is often far below the top of the page.
      var sent = say("hospital_status_sent", { t: M.hhmmss() });
      tell(sent);
      formDone.textContent = sent;
      formDone.hidden = false;
      load();
    }, function () {
      button.disabled = false;
      formError.textContent = say("hospital_resend");
      formError.hidden = false;
    });
  });

  /* --- the patients ----------------------------------------------------------------------- */

  function where(c) {
    if (c.status === "evacuated" && c.destination === HID) return "incoming";
    if (c.status === "evacuated") return "leaving";
    if (c.status === "arrived" || c.status === "admitted") return "here";
    return "closed";
  }

  // What a medic or a desk typed keeps its own direction inside the page's (a Hebrew place
  // in an Arabic line, "green coat" in a Hebrew one): isolated, and only ever text.
  function bdi(text) { return node("bdi", "", [text]); }

  // A child, by the age recorded (under 18 at the most): an ED readies a child's equipment
  // and staff. The board carries no triage protocol or "looks like a child" answer.
  var CHILD_UNDER = 18;
  // A child by the age written down, or by the children's triage (JumpSTART) when none was.
  function isChild(c) {
    var age = c.description && c.description.age;
    if (age) return age.max_years < CHILD_UNDER;
    return c.protocol === "jumpstart";
  }

  function description(c) {
    var d = c.description || {};
    var parts = [];
    // "boy" or "girl" for a child; "male", "female" (never "man", "woman") otherwise.
    if (d.sex) parts.push(say("hospital_sex_" + d.sex + (isChild(c) && d.sex !== "other" ? "_child" : "")));
    if (d.age) parts.push(say("hospital_age", { a: d.age.min_years === d.age.max_years ? d.age.min_years : ltr(d.age.min_years + "–" + d.age.max_years) }));
    if (d.build) parts.push(say("hospital_build_" + d.build));
    ["hair", "clothing", "marks", "other"].forEach(function (k) { if (d[k]) parts.push(bdi(d[k])); });
    if (d.height_cm) parts.push(say("hospital_height_cm", { n: d.height_cm }));
    if (c.name && c.name.full_name) parts.push(M.sayParts("hospital_name_given", { n: bdi(c.name.full_name) }));
    return joined(parts, " · ");
  }

  // A warning in the desk's words from its kind (the server's sentence is English, its time
  // in UTC): a tourniquet on for over two hours, since when and how long.
  function warningText(c, w) {
    if (w.kind !== "tourniquet_over_2h" || !w.since) return say("hospital_warn_other");
    // The board's treatments carry no id: the tourniquet is the one put on at that moment.
    var since = new Date(w.since).getTime();
    var iv = (c.interventions || []).filter(function (i) { return i.kind === "tourniquet" && new Date(i.at).getTime() === since; })[0];
    var site = iv && iv.site ? " (" + say("hospital_site_" + iv.site) + ")" : "";
    var m = minsAgo(w.since);
    return say("hospital_warn_tourniquet", { kind: say("hospital_iv_tourniquet") + site, t: hhmm(w.since), h: Math.floor(m / 60), m: ("0" + (m % 60)).slice(-2) });
  }

  function treatments(c) {
    return (c.interventions || []).map(function (i) {
      var kind = say("hospital_iv_" + i.kind);
      var site = i.site ? " (" + say("hospital_site_" + i.site) + ")" : "";
      if (i.ended_at) return node("li", "ended", [say("hospital_ended", { kind: kind + site, t: hhmm(i.at), e: hhmm(i.ended_at) })]);
      var on = node("li", "on" + (i.kind === "tourniquet" ? " tq" : ""), [say("hospital_since", { kind: kind + site, t: hhmm(i.at), m: minsAgo(i.at) })]);
      on.setAttribute("data-since", i.at);
      on.setAttribute("data-kind", kind + site);
      return on;
    });
  }

  function times(c) {
    var parts = [[say("hospital_found", { t: hhmm(c.found_at) }), c.place ? [" · ", bdi(c.place)] : null]];
    // How long ago it left matters while it is on its way; after, only when.
    if (c.evacuated_at && c.status !== "evacuated") parts.push(say("hospital_left_scene_at", { t: hhmm(c.evacuated_at) }));
    else if (c.evacuated_at) {
      var left = node("span", "", [say("hospital_left_scene", { t: hhmm(c.evacuated_at), m: minsAgo(c.evacuated_at) })]);
      left.setAttribute("data-left", c.evacuated_at);
      parts.push(left);
    }
    if (c.vehicle || c.vehicle_kind) {
      // The vehicle's call sign is typed: isolated after the desk's word for its kind.
      var by = [c.vehicle_kind ? say("hospital_vk_" + c.vehicle_kind) : "", c.vehicle_kind && c.vehicle ? " " : "", c.vehicle ? bdi(c.vehicle) : ""];
      parts.push(M.sayParts("hospital_by", { v: by }));
    }
    if (c.arrived_at && c.hospital_id === HID) parts.push(say("hospital_arrived_at", { t: hhmm(c.arrived_at) }));
    return joined(parts, " · ");
  }

  var pendingIds = {};  // casualty id + step -> {json, id}: a resend is the same command
  function step(card, c, path, body, doneKey) {
    var key = c.id + path;
    var json = JSON.stringify(body);
    if (!pendingIds[key] || pendingIds[key].json !== json) pendingIds[key] = { json: json, id: M.uuid() };
    body.command_id = pendingIds[key].id;
    var err = card.querySelector("[data-card-error]");
    err.hidden = true;
    var buttons = card.querySelectorAll("button");
    Array.prototype.forEach.call(buttons, function (b) { b.disabled = true; });
    M.command("/api/v1/casualties/" + encodeURIComponent(c.id) + path, body).then(function (r) {
      if (!r.ok) {
        Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
        refuse(err, r);
        if (r.status === 409 || r.status === 422 || r.status === 404) loadSoon();  // changed elsewhere
        return;
      }
      // Done: the card's buttons stay off until the next read redraws it (a second press
      // would be another arrival or admission, refused, for a patient already past it).
      delete pendingIds[key];
      tell(say(doneKey, { tag: c.tag }));
      load();
    }, function () {
      Array.prototype.forEach.call(buttons, function (b) { b.disabled = false; });
      err.textContent = say("hospital_resend");
      err.hidden = false;
    });
  }

  function button(box, label, attr, cls) {
    var b = document.createElement("button");
    b.type = "button"; b.textContent = label; b.setAttribute(attr, "");
    if (cls) b.className = cls;
    box.appendChild(b);
    return b;
  }

  function selectFrom(templateId, attr, blank) {
    var sel = document.createElement("select");
    sel.setAttribute(attr, "");
    if (blank) { var o = document.createElement("option"); o.value = ""; o.textContent = blank; sel.appendChild(o); }
    sel.appendChild(document.getElementById(templateId).content.cloneNode(true));
    return sel;
  }

  // A choice and the button that acts on it kept on one line together (wrapped as one).
  function pair(box) {
    var span = document.createElement("span");
    span.className = "pair";
    box.appendChild(span);
    return span;
  }

  function actions(card, c) {
    var box = card.querySelector("[data-acts]");
    if (!ACTS) return;
    var place = where(c);
    if (place === "incoming") {
      button(box, say("hospital_mark_arrived"), "data-arrived", "go").addEventListener("click", function () {
        step(card, c, "/arrival", { hospital_id: HID }, "hospital_done_arrival");
      });
    }
    if (place === "here" && c.status === "arrived") {
      var ward = selectFrom("ward-options", "data-ward", say("hospital_ward") + ": " + say("hospital_not_stated"));
      var admitting = pair(box);
      admitting.appendChild(ward);
      button(admitting, say("hospital_admit"), "data-admit", "go").addEventListener("click", function () {
        step(card, c, "/admit", ward.value ? { ward: ward.value } : {}, "hospital_done_admit");
      });
    }
    if (place === "here") {
      var disp = selectFrom("disposition-options", "data-disposition");
      var discharging = pair(box);
      discharging.appendChild(disp);
      var armed = false;
      var b = button(discharging, say("hospital_discharge"), "data-discharge");
      // Another choice of where to disarms the press: the confirmation named the first.
      disp.addEventListener("change", function () {
        if (!armed) return;
        armed = false;
        b.classList.remove("armed");
        card.querySelector("[data-card-error]").hidden = true;
      });
      b.addEventListener("click", function () {
        var err = card.querySelector("[data-card-error]");
        if (!armed) {
          armed = true;
          // Where to is said too: the list offers "home" first, whatever was meant.
          err.textContent = say("hospital_discharge_confirm", { tag: c.tag, d: disp.options[disp.selectedIndex].text });
          err.hidden = false;
          b.classList.add("armed");
          return;
        }
        armed = false;
        b.classList.remove("armed");
        step(card, c, "/discharge", { disposition: disp.value }, "hospital_done_discharge");
      });
      died(card, c, box);
    }
  }

  /* A death of the hospital's own patient: the time (blank: now, filled in at the first
     press so that the confirmation names it), then a second press to record it. */
  // "14:05" on the town's clock, as a time field holds it (whatever the page's language).
  var TOWN_HM = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: M.TZ });
  function townHM(ms) { return TOWN_HM.format(new Date(ms)).replace(/[^0-9:]/g, ""); }
  function hm(ms) { var t = townHM(ms).split(":"); return +t[0] * 60 + +t[1]; }
  // The moment a time of day on the town's clock last was, at or before now (server time).
  function lastAt(value) {
    var m = /^(\d{1,2}):(\d{2})$/.exec(value || "");
    if (!m) return null;
    var now = Math.floor(serverNow() / 60000) * 60000;
    var diff = (+m[1] * 60 + +m[2]) - hm(now);
    if (diff > 0) diff -= 24 * 60;  // later than now: yesterday
    return new Date(now + diff * 60000);
  }
  function died(card, c, box) {
    var dying = pair(box);
    dying.classList.add("death");
    var label = document.createElement("label");
    label.className = "inline-time";
    label.textContent = say("hospital_death_time") + " ";
    var time = document.createElement("input");
    time.type = "time";
    // A clock's digits read left to right in every language: in Hebrew an empty box would
    // otherwise show its placeholder mirrored ("-- --:").
    time.dir = "ltr";
    time.setAttribute("data-death-time", "");
    label.appendChild(time);
    dying.appendChild(label);
    var armed = false;
    var b = button(dying, say("hospital_died"), "data-death", "death");
    var err = card.querySelector("[data-card-error]");
    function disarm() { if (!armed) return; armed = false; b.classList.remove("armed"); err.hidden = true; }
    time.addEventListener("input", disarm);
    time.addEventListener("change", disarm);
    b.addEventListener("click", function () {
      if (!time.value) time.value = townHM(serverNow());
      var at = lastAt(time.value);
      if (!at) { err.textContent = say("hospital_death_bad_time"); err.hidden = false; time.focus(); return; }
      var found = new Date(c.found_at);
      // The minute it was found in holds both: the death is not put before the finding.
      if (at < found && at.getTime() + 60000 > found.getTime()) at = found;
      if (at < found) {
        err.textContent = say("hospital_death_before_found", { t: hhmm(c.found_at) });
        err.hidden = false;
        disarm();
        time.focus();
        return;
      }
      if (!armed) {
        armed = true;
        err.textContent = say("hospital_death_confirm", { tag: c.tag, t: time.value });
        err.hidden = false;
        b.classList.add("armed");
        return;
      }
      armed = false;
      b.classList.remove("armed");
      // This very minute: the server's now (its own clock, to the second).
      var thisMinute = time.value === townHM(serverNow());
      step(card, c, "/death", thisMinute ? {} : { at: at.toISOString() }, "hospital_done_death");
    });
  }

  function card(c) {
    var li = document.createElement("li");
    li.className = "card cat-" + (c.category || "none") + " st-" + c.status;
    li.dataset.casualty = c.id;
    li.dataset.tag = c.tag;
    li.dataset.status = c.status;
    var cat = c.category ? say("hospital_cat_" + c.category) : say("hospital_untriaged");
    var desc = description(c);
    var child = isChild(c) ? node("span", "child", [say("hospital_child")]) : null;
    if (child) child.setAttribute("data-child", "");
    li.appendChild(node("div", "top", [node("span", "tagno", [c.tag]), node("span", "cat", [cat]), child,
      node("span", "st", [say("hospital_st_" + c.status)])]));
    if (desc.length) li.appendChild(node("p", "desc", desc));
    (c.warnings || []).forEach(function (w) {
      var warn = li.appendChild(node("p", "warn", ["⚠ " + warningText(c, w)]));
      warn.setAttribute("data-warning", w.kind);
    });
    if ((c.interventions || []).length) li.appendChild(node("ul", "tx", treatments(c)));
    li.appendChild(node("p", "when", times(c)));
    li.appendChild(node("div", "acts")).setAttribute("data-acts", "");
    var error = li.appendChild(node("p", "error"));
    error.setAttribute("role", "alert");
    error.setAttribute("data-card-error", "");
    error.hidden = true;
    actions(li, c);
    return li;
  }

  var cards = {};  // casualty id -> {sig, el}: an unchanged card keeps what is chosen on it
  function drawPatients() {
    var groups = { incoming: [], here: [], leaving: [], closed: [] };
    patients.forEach(function (c) { groups[where(c)].push(c); });
    function order(a, b) {
      var ra = RANK[a.category] != null ? RANK[a.category] : 1.5, rb = RANK[b.category] != null ? RANK[b.category] : 1.5;
      return ra - rb || new Date(a.evacuated_at || a.found_at) - new Date(b.evacuated_at || b.found_at);
    }
    var seen = {};
    Object.keys(groups).forEach(function (g) {
      var list = document.querySelector('[data-list="' + g + '"]');
      var items = groups[g].sort(order);
      var els = items.map(function (c) {
        seen[c.id] = true;
        var sig = JSON.stringify(c);
        var kept = cards[c.id];
        if (!kept || kept.sig !== sig) { kept = { sig: sig, el: card(c) }; cards[c.id] = kept; }
        return kept.el;
      });
      list.replaceChildren.apply(list, els);
      if (!els.length && (g === "incoming" || g === "here")) {
        list.appendChild(node("li", "none", [say(g === "incoming" ? "hospital_no_incoming" : "hospital_no_here")]));
      }
      document.querySelector('[data-count="' + g + '"]').textContent = String(items.length);
    });
    Object.keys(cards).forEach(function (id) { if (!seen[id]) delete cards[id]; });
    document.querySelector("[data-leaving-box]").hidden = !groups.leaving.length;
    document.querySelector("[data-closed-box]").hidden = !groups.closed.length;
  }

  // Ages move on between reads: "reported 14 min ago", "tourniquet since 10:03 (47 min)".
  function tickAges() {
    drawAge();
    Array.prototype.forEach.call(document.querySelectorAll("[data-since]"), function (el) {
      var at = el.getAttribute("data-since");
      el.textContent = say("hospital_since", { kind: el.getAttribute("data-kind"), t: hhmm(at), m: minsAgo(at) });
    });
    Array.prototype.forEach.call(document.querySelectorAll("[data-left]"), function (el) {
      var at = el.getAttribute("data-left");
      el.textContent = say("hospital_left_scene", { t: hhmm(at), m: minsAgo(at) });
    });
    liveness();
  }

  /* --- start ------------------------------------------------------------------------------ */

  // The feed starts from the picture's position: what the reads below show is already current.
  function start() {
    M.api("GET", "/api/v1/picture").then(function (r) {
      if (r.ok) M.learnClock(r.json.generated_at);
      startFeed(r.ok ? r.json.position : 0);
      load();
    }, function () { loadError = say("hospital_no_connection"); liveness(); setTimeout(start, 3000); });
  }
  start();
  setInterval(tickAges, 15000);
  setInterval(load, 60000);  // a safety net: a missed frame cannot leave the page behind for long
  window.magenHospital = { load: load, feed: function () { return feed; } };
})();
