/* Draw the town from its own pack (GET /api/v1/town/map.geojson): no tiles, no network beyond
   this server. Streets, buildings and zones go on one canvas (thousands of shapes); shelters are
   returned by id so a page can colour them by status. */
(function () {
  "use strict";

  var MAJOR = { primary: 1, trunk: 1, motorway: 1, secondary: 1, tertiary: 1 };
  var PATHS = { footway: 1, path: 1, steps: 1, cycleway: 1, bridleway: 1, track: 1, corridor: 1 };
  var SHELTER_COLOURS = {
    open: "#1b6e2a",
    full: "#d35400",
    closed: "#6b6b6b",
    compromised: "#b00020",
    unknown: "#1b6e2a"
  };

  function streetStyle(p) {
    if (MAJOR[p["class"]]) return { color: "#7d8791", weight: 4, opacity: 0.9 };
    if (PATHS[p["class"]]) return { color: "#9aa3ab", weight: 1.2, dashArray: "3 3", opacity: 0.9 };
    return { color: "#a7afb6", weight: 2.4, opacity: 0.9 };
  }

  // A shelter's name, address and places: the pack's text (from OSM and public lists, which
  // anyone may edit) set as text, never as HTML, each part in its own direction.
  function shelterTip(p) {
    var tip = document.createElement("span");
    [p.name, p.address].filter(Boolean).forEach(function (part, i) {
      if (i) tip.appendChild(document.createTextNode(" · "));
      var b = document.createElement("bdi");
      b.textContent = part;
      tip.appendChild(b);
    });
    if (p.capacity) {
      var places = window.Magen ? window.Magen.say("shelter_places", { n: p.capacity }) : String(p.capacity);
      tip.appendChild(document.createTextNode(" · " + places));
    }
    return tip;
  }

  function shelterStyle(status) {
    var c = SHELTER_COLOURS[status] || SHELTER_COLOURS.unknown;
    return {
      radius: 6,
      color: "#fff",
      weight: 2,
      fillColor: c,
      fillOpacity: status === "closed" ? 0.5 : 0.95,
      className: "mk mk-shelter st-" + (status || "unknown")
    };
  }

  /* Load the town into a Leaflet map. opts: {buildings, zones, shelters} (default all true).
     Resolves with {bounds, shelters: {id: layer}, setShelterStatus(id, status)} or null when
     the server has no town. */
  function load(map, opts) {
    opts = opts || {};
    var canvas = L.canvas({ padding: 0.5 });
    return fetch("/api/v1/town/map.geojson", { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (fc) {
        if (!fc) return null;
        var streets = [], buildings = [], zones = [], shelters = [];
        fc.features.forEach(function (f) {
          var k = f.properties && f.properties.kind;
          if (k === "street") streets.push(f);
          else if (k === "building") buildings.push(f);
          else if (k === "zone") zones.push(f);
          else if (k === "shelter") shelters.push(f);
        });
        if (opts.zones !== false && zones.length) {
          L.geoJSON(zones, {
            renderer: canvas,
            interactive: false,
            style: { color: "#6a8caf", weight: 1, dashArray: "6 5", fill: false, opacity: 0.7 }
          }).addTo(map);
        }
        var built = null;
        if (opts.buildings !== false && buildings.length) {
          built = L.geoJSON(buildings, {
            renderer: canvas,
            interactive: false,
            style: { color: "#b9b2a6", weight: 0.6, fillColor: "#dcd6cc", fillOpacity: 1 }
          }).addTo(map);
        }
        L.geoJSON(streets, {
          renderer: canvas,
          interactive: false,
          style: function (f) { return streetStyle(f.properties); }
        }).addTo(map);
        var byId = {};
        if (opts.shelters !== false) {
          shelters.forEach(function (f) {
            var c = f.geometry.coordinates;
            var p = f.properties;
            var m = L.circleMarker([c[1], c[0]], shelterStyle("unknown")).addTo(map);
            if (m.getElement()) m.getElement().setAttribute("data-shelter", p.id);
            m.bindTooltip(shelterTip(p));
            m.feature = f;
            byId[p.id] = m;
          });
        }
        // Frame where people live, not the pack's whole box (zones reach into empty land).
        var bbox = fc.bbox;
        var bounds = built ? built.getBounds() : bbox ? L.latLngBounds([bbox[1], bbox[0]], [bbox[3], bbox[2]]) : null;
        return {
          bounds: bounds,
          shelters: byId,
          setShelterStatus: function (id, status) {
            var m = byId[id];
            if (!m) return;
            m.setStyle(shelterStyle(status));
            m.status = status;
            // setStyle keeps the element's classes; the status class is for people and tests.
            var el = m.getElement && m.getElement();
            if (el) el.setAttribute("class", "leaflet-interactive " + shelterStyle(status).className);
          }
        };
      })
      .catch(function () { return null; });
  }

  // The licence's own words, the same on every map in every language (ODbL 4.3).
  var ATTRIBUTION = "© OpenStreetMap contributors (ODbL)";

  /* A plain map with the attribution every map must carry. */
  function create(el, extra) {
    var o = { preferCanvas: false, zoomSnap: 0.25, attributionControl: true };
    for (var k in extra || {}) o[k] = extra[k];
    var map = L.map(el, o);
    map.attributionControl.setPrefix(false);
    map.attributionControl.addAttribution(ATTRIBUTION);
    return map;
  }

  window.MagenTown = { load: load, create: create, shelterStyle: shelterStyle };
})();
