/* The registrar's desk: proposed matches to decide (the report beside its candidate, the
   matcher's reasons), families waiting to be told, the reports with a name search, and the
   desk's two forms (a family's report, a survivor's check-in).

   Everything comes from the JSON API. GET /api/v1/persons/board carries the work (proposed
   matches and families to tell, with the reports, survivors and casualties they name) and
   counts, however many reports there are; the reports list is GET /api/v1/persons/search, a
   page at a time (newest first) of those whose names hold what the registrar typed, turned
   with the previous and next buttons. A report's notes are not on the board (a card counts
   them); they are fetched when the registrar opens them. Any live event the
   registrar may see reloads both; an unchanged answer is revalidated by its ETag and costs
   no body. A lost feed says at once that the desk is not current. Lists are redrawn in place,
   item by item, so an open confirm, reject or notification form keeps what the registrar
   typed while the lists refresh around it. */
(function () {
  "use strict";

  var M = window.Magen;
  var say = M.say;
  var sayParts = M.sayParts;
  var CFG = M.CFG;
  var DECIDES = !!CFG.decides;
  var LOCALE = { he: "he-IL", ar: "ar-u-nu-latn", en: "en-GB" }[CFG.lang] || undefined;

  var data = { board: null, found: null, families: {} };
  var PAGE = 50;            // reports shown at once: a page of those that match the search
  var offset = 0;           // where the page asked for begins (0: the newest)
  var lost = false;
  var loadedAt = null;      // when the desk last loaded (server time, from the feed)
  var feed = null;

  /* --- small helpers ---------------------------------------------------------------------- */

  function when(iso) {
    if (!iso) return "";
    return new Date(iso).toLocaleString(LOCALE, { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: M.TZ });
  }
  function reasonOf(r) { return (r && r.json && (r.json.reason || r.json.detail)) || (r && r.status) || "?"; }
  // A refusal in the desk's words: the server's reasons are English (and sometimes a raw
  // validation message), so they are kept on the element's title for whoever supports the
  // desk and never shown as the message. A refusal that names its rule is said by that rule
  // (common.js refusedFor: "died and not formally identified yet"); else by the words given,
  // else by its status.
  var REFUSED = { 400: "registry_err_invalid", 403: "registry_err_forbidden", 404: "registry_err_gone",
    409: "registry_err_changed", 422: "registry_err_changed", 429: "registry_err_busy", 503: "registry_err_down" };
  function refusal(r, key, words) {
    var e = new Error(M.refusedFor(r) || words || say(key || REFUSED[r && r.status] || "registry_err_other", { code: (r && r.status) || "?" }));
    e.detail = String(reasonOf(r));
    e.status = (r && r.status) || 0;
    return e;
  }
  // What the desk itself says is wrong with a form (in its own words, shown as they are).
  function deskError(text) { var e = new Error(text); e.deskSays = true; return e; }
  // Why something failed, said in the desk's words: a refusal, or no answer at all (the
  // browser's own words for that are English).
  function failure(e) {
    return e && e.detail !== undefined ? e : { message: say("registry_err_network"), detail: String((e && e.message) || "") };
  }
  function showFailure(box, e) {
    var f = failure(e);
    show(box, f.message);
    box.title = f.detail || "";
  }
  function show(el, text) { el.textContent = text || ""; el.hidden = !text; }
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }
  var node = M.node, joined = M.joined;  // text only, never parsed as HTML
  function button(label, cls, onClick) {
    var b = el("button", cls);
    b.type = "button";
    b.textContent = label;
    b.addEventListener("click", function () { onClick(b); });
    return b;
  }
  // Names are compared without case and without Hebrew points or Arabic vowel marks (as the
  // server searches: app/registry_board.py), here only to narrow what is shown while it answers.
  function fold(s) {
    return String(s || "").normalize("NFKC").toLowerCase().replace(/[\u0591-\u05C7\u064B-\u065F\u0670]/g, "");
  }
  function allNames(name) {
    if (!name) return [];
    var out = [name.full_name];
    if (name.given_name && name.family_name) out.push(name.given_name + " " + name.family_name);
    return out.concat(name.alternates || []);
  }

  /* --- how a person is shown -------------------------------------------------------------- */

  function nameInfo(name) {
    var names = allNames(name);
    if (!names.length) return [el("p", "nm", "—")];
    return [node("p", "nm", [bdi(names[0])]), names.length > 1 ? node("p", "alt", joined(names.slice(1).map(bdi), " · ")) : null];
  }
  function ageText(dob, age) {
    var parts = [];
    // Dates and ranges are isolated left to right: after Arabic or Hebrew letters the bidi
    // algorithm would show 1987-05-12 as 12-05-1987 and 30–35 as 35–30.
    if (dob) parts.push(say("registry_born", { d: ltr(dob) }));
    if (age) parts.push(say("registry_age_is", { a: age.min_years === age.max_years ? age.min_years : ltr(age.min_years + "–" + age.max_years) }));
    return parts.join(" · ");
  }
  function describe(d) {
    if (!d) return say("registry_no_description");
    var parts = [];
    if (d.sex) parts.push(say("registry_sex_" + d.sex));
    if (d.age) parts.push(ageText(null, d.age));
    if (d.height_cm) parts.push(say("registry_height_cm", { n: d.height_cm }));
    if (d.build) parts.push(say("registry_build_" + d.build));
    // What a family or medic typed keeps its own direction (bdi); the desk's words are text.
    if (d.hair) parts.push([say("registry_hair") + ": ", bdi(d.hair)]);
    if (d.eyes) parts.push(bdi(d.eyes));
    if (d.clothing) parts.push([say("registry_clothing") + ": ", bdi(d.clothing)]);
    if (d.marks) parts.push(bdi(d.marks));
    if (d.other) parts.push(bdi(d.other));
    return parts.length ? joined(parts, " · ") : say("registry_no_description");
  }
  // A line of text, or of text and elements (a list of them): nothing when empty.
  function line(parts) { return parts && parts.length !== 0 ? node("p", "", parts) : null; }
  // Names and places are typed in any script: each keeps its own direction inside the line.
  function bdi(text) { return el("bdi", "", text); }
  // Typed values (a place, who to call) isolated from each other, between the desk's separators.
  function typed(values) {
    return joined(values.filter(Boolean).map(function (v) { return typeof v === "string" ? bdi(v) : v; }), say("registry_list_sep"));
  }
  // Text that must read left to right inside a sentence in any language (dates, ranges).
  function ltr(text) { return "\u2066" + text + "\u2069"; }
  // Words of the desk's own (a time it wrote): plain text, not isolated like typed values.
  function textOf(text) { return document.createTextNode(text); }
  function ltrNode(text) { return textOf(ltr(text)); }

  // kindKey: what the report is on screen (the report itself, or a candidate duplicate of it);
  // cardId: the card it is shown in (its notes open under that card).
  function reportInfo(rep, kindKey, cardId) {
    var seen = typed([rep.last_seen_place, rep.last_seen_at && textOf(when(rep.last_seen_at))]);
    return [el("p", "kind", say(kindKey || "registry_report")), nameInfo(rep.name),
      line(ageText(rep.date_of_birth, rep.age)), line(describe(rep.description)),
      seen.length ? line(sayParts("registry_last_seen", { what: seen })) : null,
      line(contactText(rep)), el("p", "alt", say("registry_reported_at", { t: when(rep.reported_at) })),
      rep.note_count && cardId ? notesButton(cardId, rep) : null];
  }
  function survivorInfo(s) {
    var at = typed([s.place, s.checked_in_at && textOf(when(s.checked_in_at))]);
    return [el("p", "kind", say("registry_cand_survivor")), nameInfo(s.name),
      line(ageText(s.date_of_birth, s.age)), line(describe(s.description)), line(sayParts("registry_checked_in", { what: at }))];
  }
  function casualtyInfo(c) {
    var found = typed([c.place, c.found_at && textOf(when(c.found_at))]);
    var hospital = c.hospital_id || c.destination;
    // The hospital in the desk's language where it has a name in it, else its name of record.
    var h = hospital ? M.named({ names: (data.board.hospital_names || {})[hospital],
      name: data.board.hospitals[hospital] }, hospital) : "";
    return [el("p", "kind", say("registry_cand_casualty")), el("p", "nm", say("registry_tag", { tag: c.tag })),
      c.name ? nameInfo(c.name) : null,
      line(describe(c.description)), line(sayParts("registry_found", { what: found })),
      h ? line(sayParts("registry_hospital", { h: bdi(h) })) : null,
      // Where a discharge sent them: home, a shelter, other care, or out against advice.
      c.disposition ? el("p", "disp", say("registry_disp_" + c.disposition)) : null,
      node("p", "", [el("b", "", say("registry_cas_" + c.status)), " · " + say("registry_ident_" + c.identification),
        c.identified_name ? [": ", bdi(c.identified_name.full_name)] : null])];
  }
  // Where a living casualty is to be found, as the server says it (care_place): a hospital,
  // other care, or not in a hospital yet.
  function placeNode(place) {
    if (place && place.indexOf("hospital:") === 0) {
      var id = place.slice("hospital:".length);
      return bdi(M.named({ names: (data.board.hospital_names || {})[id], name: data.board.hospitals[id] }, id));
    }
    var key = { other_care: "registry_place_other_care", on_the_way: "registry_place_on_the_way" }[place];
    return document.createTextNode(say(key || "registry_place_none"));
  }
  // Where a living casualty is now, and "on the way" while it is (a transfer, an evacuation).
  function whereNow(t) {
    var c = data.board.casualties[t.casualty_id];
    var place = placeNode(t.place);
    return c && c.status === "evacuated" && t.place.indexOf("hospital:") === 0 ? node("span", "", [place, " · " + say("registry_cas_evacuated")]) : place;
  }
  function contactText(rep) {
    var parts = [];
    if (rep.contact) {
      var c = rep.contact;
      parts.push(sayParts("registry_contact", { c: typed([c.name, c.relation, c.phone && ltrNode(c.phone), c.email && ltrNode(c.email)]) }));
    }
    if (rep.family_account) {
      var f = data.families[rep.family_account];
      parts.push(sayParts("registry_family_account", { name: bdi(f ? f.name + " (" + f.username + ")" : rep.family_account) }));
    }
    return joined(parts, " · ");
  }

  /* --- a report's notes, fetched when opened ---------------------------------------------------

     The board counts a report's notes (PFIF notes can be many, and long) and does not carry
     them; the registrar opens them under the card, from GET /api/v1/persons/missing/{id}. An
     open panel is kept by card and report, outside the card's summary: a refresh leaves it
     open, and fetches it again when the count of notes changed. */
  var openNotes = {};
  function notesButton(cardId, rep) {
    var key = cardId + "|" + rep.report_id;
    var b = el("button", "notes-toggle", say("registry_notes", { n: rep.note_count }));
    b.type = "button";
    b.dataset.notes = rep.report_id;
    b.setAttribute("aria-expanded", openNotes[key] ? "true" : "false");
    b.addEventListener("click", function () {
      openNotes[key] = !openNotes[key];
      b.setAttribute("aria-expanded", openNotes[key] ? "true" : "false");
      drawNotes(b.closest("li"), key, rep);
    });
    return b;
  }
  function drawNotes(li, key, rep) {
    var panel = li.querySelector('.notes[data-notes-for="' + CSS.escape(key) + '"]');
    if (!openNotes[key]) { if (panel) panel.remove(); return; }
    if (panel && panel.dataset.count === String(rep.note_count)) return;
    if (!panel) {
      panel = el("div", "notes");
      panel.dataset.notesFor = key;
      panel.appendChild(el("p", "alt", say("registry_loading")));
      li.insertBefore(panel, li.querySelector(".info").nextSibling);
    }
    panel.dataset.count = String(rep.note_count);
    M.api("GET", "/api/v1/persons/missing/" + encodeURIComponent(rep.report_id)).then(function (r) {
      if (!r.ok) throw refusal(r);
      var list = el("ol", "note-list");
      r.json.report.notes.forEach(function (n) {
        var head = [bdi(n.author_name), " · " + when(n.at)];
        if (n.status) head.push(" · ", el("b", "", say("registry_note_st_" + n.status)));
        var text = el("p", "", n.text);
        text.dir = "auto";  // typed in any script
        list.appendChild(node("li", "", [node("p", "alt", head), text,
          n.last_known_location ? node("p", "alt", [say("registry_note_where"), " ", bdi(n.last_known_location)]) : null]));
      });
      panel.replaceChildren(node("p", "kind", [say("registry_notes_on"), " ", bdi(r.json.report.name.full_name)]), list);
    }).catch(function (e) {
      panel.dataset.count = "";  // asked again at the next refresh
      var shown = el("p", "error");
      showFailure(shown, e);
      panel.replaceChildren(shown);
    });
  }

  /* What confirming would tell the family. A casualty's is the server's (`will_be`, as the
     domain derives it: a discharge to other care is still in care, out against advice is
     alive but not known to be safe); the desk does not guess it. */
  function outcomeOf(m) {
    if (m.candidate_kind === "survivor") return "safe";
    if (m.candidate_kind === "missing") return "duplicate";
    return (data.board.will_be || {})[m.match_id] || null;
  }
  function outcomeBadge(o) {
    return o ? el("span", "outcome " + o, say("registry_out_" + o)) : null;
  }

  /* --- lists redrawn in place ------------------------------------------------------------- */

  // Each item keeps its node (and any form open in it); only its summary is redrawn.
  function reconcile(list, items, keyOf, build, update, emptyText, count) {
    var keep = {};
    items.forEach(function (it) { keep[keyOf(it)] = it; });
    Array.prototype.slice.call(list.children).forEach(function (li) {
      if (!li.dataset.id || !keep.hasOwnProperty(li.dataset.id)) list.removeChild(li);
    });
    var at = 0;
    items.forEach(function (it) {
      var id = keyOf(it);
      var li = list.querySelector('li[data-id="' + CSS.escape(id) + '"]');
      if (!li) { li = el("li"); li.dataset.id = id; build(li, it); }
      update(li, it);
      if (list.children[at] !== li) list.insertBefore(li, list.children[at] || null);
      at++;
    });
    if (!items.length) { var none = el("li", "none"); none.textContent = emptyText; list.appendChild(none); }
    list.closest("section").querySelector("[data-count]").textContent = String(count == null ? items.length : count);
  }
  // An item's summary is replaced only when it reads differently (a selection in it stays).
  function setInfo(li, kids) {
    var info = li.querySelector(".info");
    var fresh = node("div", "info", kids);
    if (!info.isEqualNode(fresh)) li.replaceChild(fresh, info);
  }

  /* --- matches to decide ------------------------------------------------------------------- */

  var matchList = document.querySelector("[data-match-list]");
  var matchDone = document.querySelector("[data-match-done]");
  var matchMore = document.querySelector("[data-match-more]");
  var matchOnClosed = document.querySelector("[data-match-on-closed]");
  // The board lists the first of the work waiting; the counts say how much waits in all.
  function firstOf(more, shown, total) {
    show(more, total > shown ? say("registry_first_of", { n: shown, total: total }) : "");
  }

  function drawMatches() {
    var b = data.board;
    // Proposals of reports already closed cannot be confirmed: counted apart, not offered.
    var onClosed = b.counts.proposed_on_closed || 0;
    var open = Math.max(0, b.counts.matches.proposed - onClosed);
    // The server sends the proposed matches, likeliest first, and every record they name.
    reconcile(matchList, b.matches, function (m) { return m.match_id; }, buildMatch, function (li, m) {
      var rep = b.reports[m.report_id];
      var cand = m.candidate_kind === "survivor" ? b.survivors[m.candidate_id] :
        m.candidate_kind === "casualty" ? b.casualties[m.candidate_id] : b.reports[m.candidate_id];
      var o = outcomeOf(m);
      var pct = Math.floor(m.score * 1000) / 10;
      var candInfo = !cand ? line(say("registry_cand_unknown")) :
        m.candidate_kind === "survivor" ? survivorInfo(cand) :
        m.candidate_kind === "casualty" ? casualtyInfo(cand) :
        reportInfo(cand, "registry_cand_missing", m.match_id);
      var candBox = node("div", "person" + (o === "deceased" ? " deceased" : ""), candInfo);
      candBox.setAttribute("data-candidate", "");
      // The matcher's reasons in the desk's language; a match proposed before proposals
      // carried their evidence explains itself in English, left to right.
      var said = (b.reasons || {})[m.match_id];
      var why = said && said.length ? reasonList(said) : el("p", "", m.explanation);
      if (!(said && said.length)) { why.dir = "ltr"; why.lang = "en"; }
      setInfo(li, [
        node("div", "head", [el("span", "score " + (m.score >= 0.9 ? "hi" : m.score >= 0.6 ? "mid" : "lo"), say("registry_score", { p: pct })),
          o ? [say("registry_will_be", { o: "" }), outcomeBadge(o)] : null]),
        node("div", "pair", [node("div", "person", rep ? reportInfo(rep, null, m.match_id) : null), candBox]),
        node("div", "why", [el("b", "", say("registry_why")), why])
      ]);
      [rep, m.candidate_kind === "missing" ? cand : null].forEach(function (r) {
        if (r) drawNotes(li, m.match_id + "|" + r.report_id, r);
      });
      li.dataset.outcome = o || "";
      li.id = "match-" + m.match_id;  // the console links a match here (/registry#match-...)
      li._match = m;
      var unidentified = m.candidate_kind === "casualty" && cand && cand.identification !== "identified";
      // A casualty candidate not yet formally identified: identified here (the registry's
      // own act, POST /casualties/{id}/identify), before or while the match is decided.
      var identify = li.querySelector("[data-identify]"), acts = li.querySelector(".acts");
      if (unidentified && !identify && acts) {
        identify = button(say("registry_identify"), "", function () { openIdentify(li, false); });
        identify.dataset.identify = "";
        acts.appendChild(identify);
      } else if (!unidentified && identify) identify.remove();
      // Identified while the confirm step waited for it: the confirm step goes on.
      if (li.dataset.then === "confirm" && cand && cand.identification === "identified") {
        delete li.dataset.then;
        openDecision(li, "confirm");
      }
    }, say("registry_no_matches"), open);
    firstOf(matchMore, b.matches.length, open);
    show(matchOnClosed, onClosed > 0 ? say("registry_on_closed", { n: onClosed }) : "");
  }

  // Reasons for, then against, each with its weight (log2 Bayes factor) kept left to right.
  function reasonList(said) {
    var box = el("div", "reasons");
    [true, false].forEach(function (pro) {
      var these = said.filter(function (r) { return r["for"] === pro; });
      if (!these.length) return;
      box.appendChild(el("b", pro ? "for" : "against", say(pro ? "evidence_for" : "evidence_against")));
      var ul = el("ul", pro ? "for" : "against");
      these.forEach(function (r) {
        var w = (r.weight > 0 ? "+" : "") + r.weight.toFixed(1);
        ul.appendChild(el("li", "", r.text + " \u2066(" + w + ")\u2069"));
      });
      box.appendChild(ul);
    });
    return box;
  }

  function buildMatch(li) {
    li.className = "match";
    li.appendChild(el("div", "info"));
    if (!DECIDES) return;
    var acts = el("div", "acts");
    acts.appendChild(button(say("registry_confirm"), "yes", function () { openDecision(li, "confirm"); }));
    acts.appendChild(button(say("registry_reject"), "no", function () { openDecision(li, "reject"); }));
    li.appendChild(acts);
    li.appendChild(el("div", "decide"));
    li.querySelector(".decide").hidden = true;
  }

  function openDecision(li, kind) {
    var m = li._match;
    var box = li.querySelector(".decide");
    if (box.dataset.kind === kind && !box.hidden) return;
    box.replaceChildren();
    box.dataset.kind = kind;
    box.dataset.cid = M.uuid();  // one decision, however often it is sent
    box.hidden = false;
    var error = el("p", "error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    var send, field = null;
    if (kind === "confirm") {
      var o = outcomeOf(m);
      var c = m.candidate_kind === "casualty" ? data.board.casualties[m.candidate_id] : null;
      if (o === "deceased" && c && c.identification !== "identified") {
        // Identified first, here; confirming goes on once the identification is formal.
        openIdentify(li, true);
        return;
      }
      if (o === "deceased") box.appendChild(el("p", "warn", say("registry_deceased_warn")));
      if (o === "duplicate") {
        box.appendChild(el("p", "", say("registry_duplicate_note")));
      } else {
        var label = el("label", "", say("registry_release"));
        field = el("textarea");
        field.name = "release";
        field.maxLength = 2000;
        field.value = o ? say("registry_release_" + o) : "";
        label.appendChild(field);
        box.appendChild(label);
      }
      send = button(say("registry_send_confirm"), "yes", function () {
        decide(box, send, error, "/confirm", { release: field ? field.value.trim() : "" }, say("registry_confirmed"));
      });
    } else {
      var rl = el("label", "", say("registry_reason"));
      field = el("input");
      field.name = "reason";
      field.maxLength = 2000;
      rl.appendChild(field);
      box.appendChild(rl);
      send = button(say("registry_send_reject"), "no", function () {
        if (!field.value.trim()) { show(error, say("registry_reason_needed")); field.focus(); return; }
        decide(box, send, error, "/reject", { reason: field.value.trim() }, say("registry_rejected"));
      });
    }
    box.appendChild(error);
    var acts = el("div", "acts");
    acts.appendChild(send);
    acts.appendChild(button(say("registry_cancel"), "", function () { closeDecision(box); }));
    box.appendChild(acts);
    if (field) field.focus();
  }
  function closeDecision(box) {
    box.hidden = true; box.replaceChildren(); box.dataset.kind = "";
    delete box.closest("li").dataset.then;
  }

  /* --- identifying a casualty ------------------------------------------------------------

     How sure (formal or provisional), the name, who identified and how: IdentifyCasualty in
     domain/casualties.py. The dead are identified formally only by fingerprints, dental
     records, DNA or next of kin (Interpol DVI's primary identifiers; documents, effects and
     sight mislead: a borrowed wallet, the face of the dead); by any other method the form
     offers provisional only, and says why. `thenConfirm`: opened by the
     confirm step of a death, which goes on once the identification is formal. */
  var ID_METHODS = ["documents", "fingerprints", "dental", "dna", "next_of_kin", "personal_effects", "visual", "other"];
  var FORMAL_OF_DEAD = ["fingerprints", "dental", "dna", "next_of_kin"];  // FORMAL_METHODS_OF_DEAD
  var ID_FIELDS = { "name.full_name": "full_name", "name": "full_name", "identified_by": "identified_by",
    "method": "method", "status": "status" };
  function openIdentify(li, thenConfirm) {
    var m = li._match;
    var c = data.board.casualties[m.candidate_id];
    var box = li.querySelector(".decide");
    if (!c || !box) return;
    if (box.dataset.kind === "identify" && !box.hidden) { if (thenConfirm) li.dataset.then = "confirm"; return; }
    box.replaceChildren();
    box.dataset.kind = "identify";
    box.dataset.cid = M.uuid();  // one identification, however often it is sent
    box.hidden = false;
    if (thenConfirm) li.dataset.then = "confirm"; else delete li.dataset.then;
    var dead = c.status === "deceased";
    if (thenConfirm) box.appendChild(el("p", "warn", say(c.identification === "provisional" ? "registry_unidentified_prov" : "registry_unidentified", { tag: c.tag })));
    var form = el("form", "identify");
    form.noValidate = true;
    form.dataset.identifyForm = "";
    form.appendChild(el("p", "kind", say("registry_identify_title", { tag: c.tag })));
    function field(labelKey, input) { var l = el("label", "", say(labelKey)); l.appendChild(input); return l; }
    // For the dead, method and certainty are chosen, never defaulted: an empty first option,
    // and the form is not sent until both are (the next step may be telling a family).
    function select(name, values, prefix, chooseKey) {
      var s = el("select"); s.name = name;
      if (chooseKey) { var none = el("option"); none.value = ""; none.textContent = say(chooseKey); s.appendChild(none); }
      values.forEach(function (v) { var o = el("option"); o.value = v; o.textContent = say(prefix + v); s.appendChild(o); });
      if (chooseKey) s.required = true;
      return s;
    }
    var rep = data.board.reports[m.report_id];
    var known = c.identified_name || c.name || (rep && rep.name);
    var name = el("input"); name.name = "full_name"; name.maxLength = 200; name.autocomplete = "off";
    name.value = known ? known.full_name : "";
    var by = el("input"); by.name = "identified_by"; by.maxLength = 200; by.autocomplete = "off";
    var method = select("method", ID_METHODS, "registry_idm_", dead ? "registry_id_choose_method" : null);
    var status = select("status", ["identified", "provisional"], "registry_id_st_", dead ? "registry_id_choose_status" : null);
    var formalOption = status.querySelector("option[value=identified]");
    var two = el("div", "two");
    two.appendChild(field("registry_id_method", method));
    two.appendChild(field("registry_id_status", status));
    form.appendChild(field("registry_id_name", name));
    form.appendChild(field("registry_id_by", by));
    form.appendChild(two);
    var hint = el("p", "hint", say("registry_id_secondary_dead"));
    hint.dataset.secondaryHint = "";
    form.appendChild(hint);
    // The dead are identified formally only by a primary identifier (or next of kin): by any
    // other method provisional, the formal choice offered no more, and the form says why.
    function secondary() {
      var only = dead && method.value !== "" && FORMAL_OF_DEAD.indexOf(method.value) < 0;
      formalOption.disabled = only;
      if (only) status.value = "provisional";
      hint.hidden = !only;
    }
    method.addEventListener("change", secondary);
    secondary();
    var error = el("p", "error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    form.appendChild(error);
    var acts = el("div", "acts");
    var send = el("button", "yes", say("registry_id_send"));
    send.type = "submit";
    acts.appendChild(send);
    acts.appendChild(button(say("registry_cancel"), "", function () { closeDecision(box); }));
    form.appendChild(acts);
    box.appendChild(form);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      show(error, "");
      M.markRefused(form, null);
      var missing = !name.value.trim() ? name : !by.value.trim() ? by : null;
      if (missing) { show(error, say("registry_id_need")); M.markRefused(form, { input: missing }); return; }
      var unchosen = !method.value ? method : !status.value ? status : null;
      if (unchosen) { show(error, say("registry_id_need_choice")); M.markRefused(form, { input: unchosen }); return; }
      if (dead && FORMAL_OF_DEAD.indexOf(method.value) < 0 && status.value === "identified") { show(error, say("registry_id_secondary_dead")); return; }
      var body = { command_id: box.dataset.cid, status: status.value, name: { full_name: name.value.trim() },
        identified_by: by.value.trim(), method: method.value };
      send.disabled = true;
      M.command("/api/v1/casualties/" + encodeURIComponent(c.id) + "/identify", body).then(function (r) {
        send.disabled = false;
        if (!r.ok) {
          var found = r.status === 400 ? M.fieldRefused(r, form, ID_FIELDS) : null;
          M.markRefused(form, found);
          showFailure(error, found ? refusal(r, null, found.rule ? say("registry_err_field_rule", { field: found.field, rule: found.rule })
            : say("registry_err_field", { field: found.field })) : refusal(r));
          if (r.status === 409 || r.status === 422 || r.status === 404) load();
          return;
        }
        var formal = body.status === "identified";
        var goOn = li.dataset.then === "confirm" && formal;
        box.replaceChildren(el("p", "done", say(formal ? "registry_id_done" : "registry_id_done_prov", { tag: c.tag })));
        box.dataset.kind = "identified";
        if (!goOn) delete li.dataset.then;
        load();
      }, function (e) { send.disabled = false; showFailure(error, e); });
    });
    name.focus();
  }

  function decide(box, send, error, verb, body, done) {
    var m = box.closest("li")._match;
    body.command_id = box.dataset.cid;
    send.disabled = true;
    show(error, "");
    M.command("/api/v1/persons/matches/" + encodeURIComponent(m.match_id) + verb, body).then(function (r) {
      if (!r.ok) {
        send.disabled = false;
        showFailure(error, refusal(r));
        if (r.status === 409 || r.status === 422 || r.status === 404) load();  // decided elsewhere
        return;
      }
      // Decided: the card's buttons stay off until the board drops it, so a second press
      // (or the other button) cannot be sent for a match that is no longer proposed.
      closeDecision(box);
      Array.prototype.forEach.call(box.closest("li").querySelectorAll(".acts button"), function (b) { b.disabled = true; });
      box.closest("li").dataset.decided = "1";
      show(matchDone, done);
      load();
    }, function (e) {
      send.disabled = false;
      showFailure(error, e);
    });
  }

  /* --- run matching -------------------------------------------------------------------------- */

  var runButton = document.querySelector("[data-run]");
  var runResult = document.querySelector("[data-run-result]");
  runButton.addEventListener("click", function () {
    runButton.disabled = true;
    runButton.textContent = say("registry_running");
    show(runResult, "");
    M.api("POST", "/api/v1/persons/matching/run", {}, 180000).then(function (r) {
      runButton.disabled = false;
      runButton.textContent = say("registry_run");
      if (!r.ok) { runResult.className = "error"; showFailure(runResult, refusal(r)); return; }
      runResult.className = "done";
      runResult.title = "";
      // On the server's clock, as every other time on the desk (this machine's may be off).
      show(runResult, say("registry_run_done", { t: M.hhmmss(), n: r.json.proposed, c: r.json.candidates }));
      load();
    }, function (e) {
      runButton.disabled = false;
      runButton.textContent = say("registry_run");
      runResult.className = "error";
      showFailure(runResult, e);
    });
  });

  /* --- families to tell -------------------------------------------------------------------- */

  var tellList = document.querySelector("[data-tell-list]");
  var tellDone = document.querySelector("[data-tell-done]");
  var tellMore = document.querySelector("[data-tell-more]");

  // A report whose outcome (its own, or that of the report it duplicates) is confirmed and
  // whose family has no notification recorded for that match yet: the server lists them,
  // deaths first (someone must go in person), then whoever has waited longest.
  function waitingFamilies(b) {
    return b.to_tell.map(function (t) {
      return { key: t.report_id + "|" + t.match_id, tell: t, report: b.reports[t.report_id], primary: b.reports[t.primary_id] };
    }).filter(function (w) { return w.report && w.primary; });
  }

  // What changed since the family was told (or since the match was confirmed): a death, a
  // discharge; a match withdrawn; a death no family is told of before formal identification.
  function tellNews(t, p) {
    var out = [];
    if (t.withdrawn) {
      out.push(node("p", "warn", sayParts("registry_withdrawn_tell", { reason: bdi(t.reason || "") })));
      if (t.told) out.push(el("p", "", say("registry_told_then", { o: say("registry_out_" + t.told) })));
      return out;
    }
    if (t.moved_from) {
      // A transfer or a discharge to other care since the family was told where they are.
      out.push(node("p", "changed", sayParts("registry_moved_since_told",
        { was: placeNode(t.moved_from), now: placeNode(t.place) })));
    }
    if (t.changed_from) {
      out.push(el("p", "changed", say(t.told_before ? "registry_changed_since_told" : "registry_changed_since_confirmed",
        { was: say("registry_out_" + t.changed_from), now: say("registry_out_" + p.outcome) })));
    }
    if (t.identify_first) out.push(el("p", "warn", say("registry_identify_first")));
    return out;
  }

  function drawTell() {
    reconcile(tellList, waitingFamilies(data.board), function (w) { return w.key; }, buildTell, function (li, w) {
      var r = w.report, p = w.primary, t = w.tell;
      // A withdrawn match's report searches again: it has no outcome to show.
      setInfo(li, [
        node("div", "head", [node("b", "", [bdi(r.name.full_name)]), t.withdrawn ? null : outcomeBadge(p.outcome),
          p.closed_at ? el("span", "alt", say("registry_confirmed_at", { t: when(p.closed_at) })) : null]),
        node("div", "news", tellNews(t, p)),
        node("div", "who-to-tell", [p !== r ? line(sayParts("registry_dup_of", { name: bdi(p.name.full_name) })) : null,
          // Where a living casualty is to be found: what the family will ask first.
          t.place && p.outcome === "injured" && !t.withdrawn ? line(sayParts("registry_where_now", { p: whereNow(t) })) : null,
          p.release && !t.withdrawn ? line(sayParts("registry_message", { m: p.release_key ? say(p.release_key) : bdi(p.release) })) : null, line(contactText(r)),
          // What the family added, perhaps since the match was confirmed ("I have seen them,
          // they are safe"): read before anyone goes to tell them.
          r.note_count ? notesButton(w.key, r) : null])
      ]);
      if (r.note_count) drawNotes(li, w.key + "|" + r.report_id, r);
      li._wait = w;
      li.dataset.identifyFirst = t.identify_first ? "1" : "";
      var sel = li.querySelector("select");
      if (sel) {
        var death = p.outcome === "deceased" && !t.withdrawn;
        // A death is told in person: the only way offered.
        Array.prototype.forEach.call(sel.options, function (o) { o.disabled = death && o.value !== "in_person"; });
        if (death) sel.value = "in_person";
        li.querySelector("[data-in-person]").hidden = !death;
        // A death not formally identified is told to no family (the server refuses it):
        // "told" waits for the identification, which is offered here.
        var send = li.querySelector(".tell-form button[type=submit]");
        if (t.identify_first) { send.disabled = true; send.dataset.held = "1"; }
        else if (send.dataset.held) { delete send.dataset.held; send.disabled = false; }
        var identify = li.querySelector("[data-identify]");
        identify.hidden = !t.identify_first;
        if (!t.identify_first && li.querySelector(".decide").dataset.kind === "identify") closeDecision(li.querySelector(".decide"));
        // The news that stands rests on a confirmed match: it may be withdrawn from here. On a
        // duplicate's row, the link that made this family's report a duplicate (read from the
        // report): the row is about this family, and the other report's match stays.
        withdrawable(li, t.withdrawn ? null : p !== r ? { name: r.name.full_name, report: r }
          : { name: r.name.full_name, match_id: t.match_id });
      }
    }, say("registry_none_to_tell"), data.board.counts.to_tell);
    firstOf(tellMore, data.board.to_tell.length, data.board.counts.to_tell);
  }

  // A death on a family's row, not formally identified: identified here, as in a proposal's
  // card; the casualty is the confirmed match's candidate (read with the report).
  function identifyFromTell(li) {
    var w = li._wait;
    M.api("GET", "/api/v1/persons/missing/" + encodeURIComponent(w.primary.report_id)).then(function (r) {
      if (!r.ok) throw refusal(r);
      var m = (r.json.matches || []).filter(function (x) { return x.match_id === w.tell.match_id; })[0];
      if (!m || !data.board.casualties[m.candidate_id]) throw refusal({ status: 404 });
      li._match = m;
      openIdentify(li, false);
    }).catch(function (e) { showFailure(li.querySelector(".tell-error"), e); });
  }

  /* --- notes written after a report was closed --------------------------------------------

     A family writing "she called us" of someone the registry confirmed found, or dead, is how
     a wrong identification comes to light: the server lists such reports, newest note first,
     and the desk shows them with their notes open. */
  var lateSection = document.querySelector("[data-late]");
  var lateList = document.querySelector("[data-late-list]");

  function drawLate() {
    var b = data.board;
    var late = (b.noted_after || []).map(function (id) { return b.reports[id]; }).filter(Boolean);
    lateSection.hidden = !late.length;
    reconcile(lateList, late, function (r) { return r.report_id; }, function (li) {
      li.className = "late";
      li.appendChild(el("div", "info"));
      if (!DECIDES) return;
      var acts = el("div", "acts");
      li.appendChild(acts);
      withdrawControls(li, acts);
    }, function (li, r) {
      var key = "late|" + r.report_id;
      if (openNotes[key] === undefined) openNotes[key] = true;  // the note is why it is here
      setInfo(li, [
        node("div", "head", [node("b", "", [bdi(r.name.full_name)]), outcomeBadge(r.outcome),
          el("span", "alt", say("registry_confirmed_at", { t: when(r.closed_at) }))]),
        node("div", "who-to-tell", [line(contactText(r)), notesButton("late", r)])
      ]);
      drawNotes(li, key, r);
      // The note may say the confirmed news was wrong ("she called us"): the match is
      // withdrawn from here, and the report searches again.
      withdrawable(li, { name: r.name.full_name, report: r });
    }, "", b.counts.noted_after);
  }

  function buildTell(li) {
    li.className = "tell";
    li.appendChild(el("div", "info"));
    if (!DECIDES) return;
    var form = el("form", "tell-form");
    form.dataset.cid = M.uuid();
    var cl = el("label", "", say("registry_channel"));
    var sel = el("select");
    sel.name = "channel";
    ["in_person", "phone", "message"].forEach(function (c) {
      var o = el("option"); o.value = c; o.textContent = say("registry_ch_" + c); sel.appendChild(o);
    });
    cl.appendChild(sel);
    var nl = el("label", "", say("registry_note"));
    var note = el("input");
    note.name = "note";
    note.maxLength = 2000;
    nl.appendChild(note);
    var send = el("button", "yes");
    send.type = "submit";
    send.textContent = say("registry_told");
    form.appendChild(cl); form.appendChild(nl); form.appendChild(send);
    var warn = el("p", "hint", say("registry_in_person_only"));
    warn.dataset.inPerson = "";
    var error = el("p", "error tell-error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    var acts = el("div", "acts");
    var identify = button(say("registry_identify"), "", function () { identifyFromTell(li); });
    identify.dataset.identify = "";
    identify.hidden = true;
    acts.appendChild(identify);
    var decide = el("div", "decide");
    decide.hidden = true;
    li.appendChild(form); li.appendChild(warn); li.appendChild(error); li.appendChild(acts); li.appendChild(decide);
    withdrawControls(li, acts);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var w = li._wait;
      if (w.tell.identify_first) return;  // no family is told of a death not identified
      send.disabled = true;
      show(error, "");
      M.command("/api/v1/persons/missing/" + encodeURIComponent(w.report.report_id) + "/notified", {
        command_id: form.dataset.cid, match_id: w.tell.match_id, channel: sel.value, note: note.value.trim()
      }).then(function (r) {
        send.disabled = false;
        if (!r.ok) {
          showFailure(error, refusal(r));
          if (r.status === 409 || r.status === 422 || r.status === 404) load();
          return;
        }
        send.disabled = true;  // told: kept off until the list drops this family
        tellDone.replaceChildren.apply(tellDone, sayParts("registry_told_done", { name: bdi(w.report.name.full_name) }));
        tellDone.hidden = false;
        load();
      }, function (e) { send.disabled = false; showFailure(error, e); });
    });
  }

  /* --- withdrawing a confirmed match ------------------------------------------------------

     A match confirmed wrongly (a family writes "she called us" of someone confirmed dead) is
     withdrawn with a reason: the report searches again, and a family told of it is listed to
     be told the news was wrong. Offered on every row whose news rests on a confirmed match
     (a family to tell, a late note, a found or duplicate report). It takes the reason, then
     a second press on a plain warning: a slip of the thumb reopens no report. */
  var withdrawDone = document.querySelector("[data-withdraw-done]");

  function withdrawControls(li, acts) {
    var b = button(say("registry_withdraw"), "no withdraw", function () { openWithdraw(li); });
    b.dataset.withdraw = "";
    b.hidden = true;
    acts.appendChild(b);
  }
  // target: { name, match_id } or { name, report } (the match read from the report), or null
  // when the row's news rests on no confirmed match.
  function withdrawable(li, target) {
    var b = li.querySelector("[data-withdraw]");
    if (!b) return;
    li._withdrawOf = target;
    b.hidden = !target;
    var box = li.querySelector(".withdraw-box");
    if (!target && box) box.remove();
  }
  // The confirmed match a found report rests on is on its card; a duplicate's is read from
  // the report's matches (the one that made it a duplicate of another report).
  function confirmedMatch(target) {
    if (target.match_id) return Promise.resolve(target.match_id);
    var r = target.report;
    if (r.status === "found" && r.outcome_match) return Promise.resolve(r.outcome_match);
    return M.api("GET", "/api/v1/persons/missing/" + encodeURIComponent(r.report_id)).then(function (res) {
      if (!res.ok) throw refusal(res);
      var m = (res.json.matches || []).filter(function (x) {
        return x.status === "confirmed" && x.report_id === r.report_id && x.candidate_kind === "missing";
      })[0];
      if (!m) throw refusal({ status: 409 });
      return m.match_id;
    });
  }
  function openWithdraw(li) {
    if (li.querySelector(".withdraw-box")) { li.querySelector(".withdraw-box textarea").focus(); return; }
    var box = el("div", "decide withdraw-box");
    box.dataset.cid = M.uuid();  // one withdrawal, however often it is sent
    var label = el("label", "", say("registry_withdraw_reason"));
    var reason = el("textarea");
    reason.name = "withdraw_reason";
    reason.maxLength = 2000;
    reason.required = true;
    label.appendChild(reason);
    var error = el("p", "error");
    error.setAttribute("role", "alert");
    error.hidden = true;
    var sure = el("p", "warn");
    sure.hidden = true;
    sure.dataset.withdrawSure = "";
    var acts = el("div", "acts");
    var next = button(say("registry_withdraw_send"), "no", function () {
      show(error, "");
      if (!reason.value.trim()) { show(error, say("registry_reason_needed")); reason.focus(); return; }
      // The second step: what withdrawing does, and a press of its own.
      reason.readOnly = true;
      show(sure, say("registry_withdraw_sure", { name: li._withdrawOf.name }));
      next.hidden = true;
      yes.hidden = false;
      yes.focus();
    });
    next.dataset.withdrawNext = "";
    var yes = button(say("registry_withdraw_yes"), "no", function () { sendWithdraw(li, box, reason, yes, error); });
    yes.dataset.withdrawYes = "";
    yes.hidden = true;
    acts.appendChild(next);
    acts.appendChild(yes);
    acts.appendChild(button(say("registry_cancel"), "", function () { box.remove(); }));
    box.appendChild(label);
    box.appendChild(sure);
    box.appendChild(error);
    box.appendChild(acts);
    li.appendChild(box);
    reason.focus();
  }
  function sendWithdraw(li, box, reason, yes, error) {
    var target = li._withdrawOf;
    if (!target) return;
    yes.disabled = true;
    show(error, "");
    confirmedMatch(target).then(function (matchId) {
      return M.command("/api/v1/persons/matches/" + encodeURIComponent(matchId) + "/withdraw",
        { command_id: box.dataset.cid, reason: reason.value.trim() });
    }).then(function (r) {
      if (!r.ok) {
        yes.disabled = false;
        showFailure(error, refusal(r));
        if (r.status === 409 || r.status === 422 || r.status === 404) load();  // changed elsewhere
        return;
      }
      box.remove();
      withdrawDone.replaceChildren.apply(withdrawDone, sayParts("registry_withdraw_done", { name: bdi(target.name) }));
      withdrawDone.hidden = false;
      load();
    }, function (e) { yes.disabled = false; showFailure(error, e); });
  }

  /* --- reports, searched by name ------------------------------------------------------------- */

  var reportList = document.querySelector("[data-report-list]");
  var pager = document.querySelector("[data-pager]");
  var pageAt = pager.querySelector("[data-page-at]");
  var pagePrev = pager.querySelector("[data-page-prev]");
  var pageNext = pager.querySelector("[data-page-next]");
  var search = document.querySelector("[data-search]");
  var statusFilter = document.querySelector("[data-status-filter]");
  var searchTimer = null, searchSeq = 0;
  function searchSoon() {
    offset = 0;  // another search begins at its newest
    narrow();
    clearTimeout(searchTimer);
    searchTimer = setTimeout(function () { searchTimer = null; find().then(drawReports, loadFailed); }, 150);
  }
  search.addEventListener("input", searchSoon);
  statusFilter.addEventListener("change", searchSoon);

  function query() {
    return "/api/v1/persons/search?limit=" + PAGE + "&offset=" + offset +
      "&status=" + encodeURIComponent(statusFilter.value) + "&q=" + encodeURIComponent(search.value.trim());
  }
  // The page of reports the server finds for what is typed now; an answer to an older search
  // (typed over, or paged on, since) is dropped. A page that is no longer there (its reports
  // found or closed meanwhile) becomes the last page there is.
  function find() {
    var seq = ++searchSeq;
    return M.api("GET", query()).then(function (r) {
      if (!r.ok) throw refusal(r);
      if (seq !== searchSeq) return;
      if (offset > 0 && offset >= r.json.total) {
        offset = Math.max(0, Math.floor((r.json.total - 1) / PAGE) * PAGE);
        return find();
      }
      data.found = r.json;
    });
  }
  function turn(by) {
    offset = Math.max(0, offset + by);
    find().then(function () { reportList.scrollTop = 0; drawReports(); }, loadFailed);
  }
  pagePrev.addEventListener("click", function () { turn(-PAGE); });
  pageNext.addEventListener("click", function () { turn(PAGE); });
  // While the server answers, what is shown already narrows to what is typed.
  function narrow() {
    if (!data.found) return;
    var q = fold(search.value.trim());
    var st = statusFilter.value;
    var rows = data.found.reports.filter(function (r) {
      if (st !== "all" && r.status !== st) return false;
      return !q || allNames(r.name).some(function (n) { return fold(n).indexOf(q) >= 0; });
    });
    drawRows(rows, rows.length);
  }

  function drawReports() {
    if (!data.found) return;
    drawRows(data.found.reports, data.found.total);
    drawPager(data.found);
  }
  // "Showing 51–100 of 340": the numbers kept left to right in every language. The pager is
  // there only when there is more than one page.
  function count(n) { return Number(n).toLocaleString(LOCALE); }
  function drawPager(found) {
    var shown = found.reports.length, from = found.offset;
    pager.hidden = !(found.total > shown || from > 0);
    if (pager.hidden) return;
    var range = shown ? count(from + 1) + "–" + count(from + shown) : "0";
    pageAt.textContent = say("registry_page_at", { range: ltr(range), total: ltr(count(found.total)) });
    var focused = document.activeElement;
    pagePrev.disabled = from <= 0;
    pageNext.disabled = from + shown >= found.total;
    // A button the page turned past keeps no focus: the other one takes it.
    if (focused === pagePrev && pagePrev.disabled) pageNext.focus();
    if (focused === pageNext && pageNext.disabled) pagePrev.focus();
  }
  function drawRows(rows, total) {
    reconcile(reportList, rows, function (r) { return r.report_id; }, function (li) {
      li.appendChild(el("div", "info"));
      li.appendChild(el("span", "st"));
      if (!DECIDES) return;
      var acts = el("div", "acts");
      li.appendChild(acts);
      withdrawControls(li, acts);
    }, function (li, r) {
      var sub = joined([ageText(r.date_of_birth, r.age), r.last_seen_place && bdi(r.last_seen_place), say("registry_reported_at", { t: when(r.reported_at) })].filter(Boolean), " · ");
      var alts = r.name.alternates || [];
      setInfo(li, [node("div", "", [node("b", "", [bdi(r.name.full_name)]),
        alts.length ? [" ", node("span", "sub", joined(alts.map(bdi), " · "))] : null,
        node("div", "sub", sub)])]);
      var badge = li.querySelector(".st") || li.appendChild(el("span"));
      badge.className = "st st-" + r.status;
      badge.textContent = say("registry_st_" + r.status) + (r.outcome && r.status === "found" ? " · " + say("registry_out_" + r.outcome) : "");
      // Found or a duplicate by a confirmed match: that match may be withdrawn.
      withdrawable(li, r.status === "found" && r.outcome_match || r.status === "duplicate" ? { name: r.name.full_name, report: r } : null);
    }, say("registry_no_reports"), total);
  }

  /* --- the desk's forms ----------------------------------------------------------------------- */

  /* A date of birth as the desk types it: as the family page reads it, 14.05.1990 (day first,
     as in Israel) and 05.1990 are sent as 1990-05-14 and 1990-05; anything else as typed, for
     the server to check. */
  function birthAsSent(typed) {
    var v = typed.trim(), m = /^(\d{1,2})[.\/-](\d{1,2})[.\/-](\d{4})$/.exec(v);
    var pad = function (n) { return ("0" + parseInt(n, 10)).slice(-2); };
    if (m) return m[3] + "-" + pad(m[2]) + "-" + pad(m[1]);
    m = /^(\d{1,2})[.\/-](\d{4})$/.exec(v);
    return m ? m[2] + "-" + pad(m[1]) : v;
  }

  function person(form) {
    var f = form.elements;
    var name = { full_name: f.full_name.value.trim() };
    var alternates = f.alternates.value.split(/[,،;]/).map(function (s) { return s.trim(); }).filter(Boolean);
    if (alternates.length) name.alternates = alternates;
    var body = { name: name, description: {} };
    ["hair", "clothing", "marks", "other"].forEach(function (k) { if (f[k].value.trim()) body.description[k] = f[k].value.trim(); });
    if (f.sex.value) body.description.sex = f.sex.value;
    if (f.date_of_birth.value.trim()) body.date_of_birth = birthAsSent(f.date_of_birth.value);
    var age = f.age.value.trim();
    if (age) {
      var a = /^(\d{1,3})(?:\s*[-–]\s*(\d{1,3}))?$/.exec(age);
      if (!a) throw deskError(say("registry_bad_age"));
      body.age = { min_years: parseInt(a[1], 10), max_years: parseInt(a[2] || a[1], 10) };
    }
    if (!name.full_name) throw deskError(say("registry_need_name"));
    return body;
  }

  function familyAccount(username) {
    if (!username) return Promise.resolve(null);
    return fetch("/registry/families?username=" + encodeURIComponent(username), { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (j) {
        var found = j && j.ok && j.accounts && j.accounts[0];
        if (!found || !found.active) throw deskError(say("registry_no_account", { u: username }));
        data.families[found.id] = found;
        return found.id;
      });
  }

  // The form's input for a field the server refused ("contact.phone" -> contact_phone).
  var FIELD_INPUT = { "name.full_name": "full_name", "name.alternates": "alternates", "age": "age",
    "date_of_birth": "date_of_birth", "contact.name": "contact_name", "contact.phone": "contact_phone",
    "contact.relation": "contact_relation", "last_seen_place": "last_seen_place", "last_seen_at": "last_seen_at",
    "place": "place", "description.sex": "sex", "description.hair": "hair", "description.clothing": "clothing",
    "description.marks": "marks", "description.other": "other" };
  // The input a domain rule's refusal is about, on the forms that have it.
  var RULE_INPUT = { date_of_birth_too_late: "date_of_birth", date_of_birth_too_early: "date_of_birth",
    age_does_not_fit_date_of_birth: "age",
    time_in_future: "last_seen_at", time_too_old: "last_seen_at" };
  // A form the server did not take: the field it names, in the form's own words, marked, with
  // the rule it broke when the answer says ("at most 40 characters"); a refusal by a domain
  // rule is said by the rule (refusal), its field marked when the form has it.
  function formRefusal(form, r) {
    var found = r.status === 400 || r.status === 422 ? M.fieldRefused(r, form, FIELD_INPUT) : null;
    var rule = r.json && r.json.rule;
    if (!found && RULE_INPUT[rule] && form.elements[RULE_INPUT[rule]]) found = { input: form.elements[RULE_INPUT[rule]] };
    M.markRefused(form, found);
    if (found && !found.field) return refusal(r);
    if (!found) return refusal(r, r.status === 422 ? "registry_err_invalid" : null);
    return refusal(r, null, found.rule ? say("registry_err_field_rule", { field: found.field, rule: found.rule })
      : say("registry_err_field", { field: found.field }));
  }

  function deskForm(form, path, build, doneText) {
    var error = form.querySelector("[data-form-error]");
    var done = form.querySelector("[data-form-done]");
    var send = form.querySelector("button[type=submit]");
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      show(error, ""); show(done, "");
      var body;
      try { body = person(form); } catch (e) { show(error, e.message); return; }
      send.disabled = true;
      if (!form.dataset.cid) form.dataset.cid = M.uuid();  // kept until it is accepted
      build(form, body).then(function (full) {
        full.command_id = form.dataset.cid;
        return M.command(path, full);
      }).then(function (r) {
        send.disabled = false;
        if (r.status === 409) delete form.dataset.cid;  // that id went with other words
        if (!r.ok) { showFailure(error, formRefusal(form, r)); return; }
        show(done, say(doneText, { name: body.name.full_name }));
        error.title = "";
        Array.prototype.forEach.call(form.querySelectorAll("[aria-invalid]"), function (i) { i.removeAttribute("aria-invalid"); });
        delete form.dataset.cid;
        form.reset();
        load();
      }, function (e) {
        send.disabled = false;
        // The form's own checks say what to fix in the desk's words; anything else failed.
        if (e && e.deskSays) show(error, e.message); else showFailure(error, e);
      });
    });
  }

  deskForm(document.querySelector("[data-report-form]"), "/api/v1/persons/missing", function (form, body) {
    var f = form.elements;
    if (f.last_seen_place.value.trim()) body.last_seen_place = f.last_seen_place.value.trim();
    if (f.last_seen_at.value) body.last_seen_at = M.townInstant(f.last_seen_at.value);  // the town's clock
    var contactName = f.contact_name.value.trim();
    if (contactName) {
      body.contact = { name: contactName };
      if (f.contact_relation.value.trim()) body.contact.relation = f.contact_relation.value.trim();
      if (f.contact_phone.value.trim()) body.contact.phone = f.contact_phone.value.trim();
    }
    var username = f.family_username.value.trim();
    if (!contactName && !username) return Promise.reject(deskError(say("registry_need_contact")));
    return familyAccount(username).then(function (id) {
      if (id) body.family_account = id;
      return body;
    });
  }, "registry_report_done");

  deskForm(document.querySelector("[data-check-in-form]"), "/api/v1/persons/survivors", function (form, body) {
    var place = form.elements.place.value.trim();
    if (place) body.place = place;
    return Promise.resolve(body);
  }, "registry_check_in_done");

  /* --- loading, and the live feed ------------------------------------------------------------- */

  var loading = false, again = false, retry = null, loadError = null;
  function load() {
    if (loading) { again = true; return; }
    loading = true;
    clearTimeout(retry);
    Promise.all([
      M.api("GET", "/api/v1/persons/board" + "?lang=" + encodeURIComponent(CFG.lang || "en")).then(function (r) {
        if (!r.ok) throw refusal(r);
        data.board = r.json;
      }),
      find()
    ]).then(names).then(function () {
      loading = false;
      loadError = null;
      loadedAt = new Date(M.serverNow()).toISOString();  // the server's time, as the feed's
      draw();
      connection();
      document.body.dataset.ready = "1";
      if (again) { again = false; load(); }
    }, function (e) {
      loading = false;
      again = false;
      loadFailed(e);
    });
  }
  function loadFailed(e) {
    loadError = e && e.status ? String(e.status) : say("registry_no_connection");
    connection();
    clearTimeout(retry);
    retry = setTimeout(load, 3000);
  }

  // The display names of the family accounts the reports name (once each).
  function names() {
    var unknown = {};
    Object.keys(data.board.reports).forEach(function (k) {
      var r = data.board.reports[k];
      if (r.family_account && !data.families[r.family_account]) unknown[r.family_account] = 1;
    });
    var ids = Object.keys(unknown);
    if (!ids.length) return Promise.resolve();
    return fetch("/registry/families?ids=" + encodeURIComponent(ids.join(",")), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) { ((j && j.accounts) || []).forEach(function (a) { data.families[a.id] = a; }); },
        function () { /* names are a courtesy; the ids still show */ });
  }

  // A match the console linked to (/registry#match-<id>): brought into view and marked, once,
  // when the board first lists it.
  var linked = /^#match-/.test(location.hash) ? decodeURIComponent(location.hash.slice(1)) : null;
  function showLinked() {
    var li = linked && document.getElementById(linked);
    if (!li) return;
    linked = null;
    li.classList.add("linked");
    li.scrollIntoView({ block: "start" });
  }

  function draw() {
    drawMatches();
    showLinked();
    drawTell();
    drawLate();
    drawReports();
  }

  var soon = null;
  function loadSoon() {
    if (soon) return;
    soon = setTimeout(function () { soon = null; load(); }, 150);
  }

  function connection() {
    var banner = document.querySelector("[data-stale]");
    var badge = document.getElementById("mode");
    var stale = lost || !!loadError;
    document.body.classList.toggle("lost", stale);
    if (stale) {
      var at = (feed && feed.lastAt) || loadedAt;
      banner.textContent = lost ? say("registry_stale", { t: at ? M.hhmmss(at) : "—" }) : say("registry_load_failed", { reason: loadError });
      banner.hidden = false;
      badge.className = "badge lost";
      badge.dataset.mode = "lost";
      badge.textContent = "✕";
      return;
    }
    banner.hidden = true;
    if (!feed || !feed.up) return;
    badge.className = "badge live";
    badge.dataset.mode = "live";
    badge.textContent = say("live");
    document.getElementById("asof").textContent = say("registry_as_of", { t: M.hhmmss(feed.lastAt) });
  }

  feed = new M.LiveFeed({
    after: CFG.position || 0,
    onEvent: loadSoon,
    onState: function (up, fd, frame) {
      if (up && lost) { lost = false; load(); }
      else if (!up) lost = true;
      connection();
    }
  });
  feed.open();  // a feed that never comes up is reported lost by LiveFeed itself
  load();
  window.magenRegistry = { feed: feed, data: data, load: load, lost: function () { return lost; } };
})();
