/* The map module of the project: every page that shows a Leaflet map makes it, its layers, tooltips
 * and popups here (loaded after vendor/leaflet/leaflet.js, before the page's own module).
 *
 * Leaflet puts a string given to bindTooltip/bindPopup/divIcon on the page as HTML, so nothing here
 * ever hands it a string: tooltips and popups get DOM nodes whose text is set as text, links are
 * built as elements whose href comes from a number. Tile settings come from the <body> attributes
 * data-map-tiles (a URL template), data-map-attribution (plain text) and data-map-crs ("wgs84", or
 * "gcj02" for a tile service drawn in GCJ-02, such as 高德). Coordinates stay WGS-84 everywhere in the
 * pages: over GCJ-02 tiles the map's projection shifts them (and a click gives WGS-84 back).
 *
 * Every map calls LinliMap.boundaries(map, {region: code}) to draw the named outlines of the region's
 * children under its own layers (labelled 示意边界（演示数据） when they are the demo's sketch).
 *
 *     var map = LinliMap.create(el, {maxZoom: 19});
 *     var layer = LinliMap.geojson(map, {style: …, tooltip: function (p) { return p.name; }});
 *     LinliMap.getJSON(url).then(function (r) { layer.addData(r.data); LinliMap.fit(map, layer.getBounds()); });
 */
(function () {
  'use strict';

  // 洛江区, where the demo data lies: the view of a map with nothing on it
  var DEFAULT_CENTRE = [24.96, 118.67];
  // the maps of the page, in the order made (the browser tests open every tooltip and popup)
  var maps = [];

  function append(el, children) {
    (Array.isArray(children) ? children : [children]).forEach(function (c) {
      if (c === null || c === undefined || c === false || c === '') { return; }
      el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    });
    return el;
  }

  /* An element: node('a', {href: '/x/1/', className: 'c', style: {color: '#000'}}, ['text', otherNode]). */
  function node(tag, attrs, children) {
    var el = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      var v = attrs[k];
      if (k === 'className') { el.className = v; } else if (k === 'style') { Object.assign(el.style, v); } else { el.setAttribute(k, v); }
    });
    return append(el, children);
  }

  /* Lines one under the other; each line is text, a node, or a list of them. Empty lines are left out. */
  function lines(items) {
    var box = document.createElement('div');
    items.filter(function (x) { return x !== null && x !== undefined && x !== false && x !== ''; }).forEach(function (item, i) {
      if (i) { box.appendChild(document.createElement('br')); }
      append(box, item);
    });
    return box;
  }

  function asNode(x) { return x instanceof Node ? x : node('span', null, x); }

  function tooltip(layer, content, options) { return layer.bindTooltip(asNode(content), options); }

  function popup(layer, content, options) { return layer.bindPopup(asNode(content), options); }

  /* A link to the page of a numbered thing: template is a URL ending in /0/ (e.g. {% url 'x' 0 %}). */
  function idLink(template, id, text) {
    var n = Number(id);
    if (!template || !Number.isSafeInteger(n)) { return node('span', null, text); }
    return node('a', {href: template.replace(/\/0\/$/, '/' + n + '/')}, text);
  }

  var ENTITIES = {'&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;'};
  function escapeHTML(s) { return String(s).replace(/[&<>"']/g, function (c) { return ENTITIES[c]; }); }

  /* WGS-84 → GCJ-02 (the published formula, as prcoords.wgs_gcj; outside China unchanged). */
  var GCJ_A = 6378245, GCJ_EE = 0.00669342162296594323;
  function wgsToGcj(lat, lon) {
    if (!(lat >= 0.8293 && lat <= 55.8271 && lon >= 72.004 && lon <= 137.8347)) { return [lat, lon]; }
    var x = lon - 105, y = lat - 35, PI = Math.PI, sin = Math.sin;
    var dLat = -100 + 2 * x + 3 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * Math.sqrt(Math.abs(x)) +
      (2 * sin(x * 6 * PI) + 2 * sin(x * 2 * PI) + 2 * sin(y * PI) + 4 * sin(y / 3 * PI) + 16 * sin(y / 12 * PI) + 32 * sin(y / 30 * PI)) * 20 / 3;
    var dLon = 300 + x + 2 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * Math.sqrt(Math.abs(x)) +
      (2 * sin(x * 6 * PI) + 2 * sin(x * 2 * PI) + 2 * sin(x * PI) + 4 * sin(x / 3 * PI) + 15 * sin(x / 12 * PI) + 30 * sin(x / 30 * PI)) * 20 / 3;
    var radLat = lat * PI / 180, magic = 1 - GCJ_EE * Math.pow(sin(radLat), 2);
    var latArc = (GCJ_A * (1 - GCJ_EE)) / Math.pow(magic, 1.5) * PI / 180;
    var lonArc = GCJ_A * Math.cos(radLat) / Math.sqrt(magic) * PI / 180;
    return [lat + dLat / latArc, lon + dLon / lonArc];
  }

  /* GCJ-02 → WGS-84, by fixed-point iteration on wgsToGcj (to well under a metre). */
  function gcjToWgs(lat, lon) {
    var w = [lat, lon];
    for (var i = 0; i < 6; i++) {
      var g = wgsToGcj(w[0], w[1]);
      w = [w[0] + (lat - g[0]), w[1] + (lon - g[1])];
    }
    return w;
  }

  /* Web Mercator over GCJ-02 tiles: WGS-84 positions are shifted as they are projected. */
  var GCJ02 = L.Util.extend({}, L.CRS.EPSG3857, {
    code: 'EPSG:3857-GCJ02',
    projection: {
      bounds: L.Projection.SphericalMercator.bounds,
      project: function (ll) { var g = wgsToGcj(ll.lat, ll.lng); return L.Projection.SphericalMercator.project(L.latLng(g[0], g[1])); },
      unproject: function (p) { var g = L.Projection.SphericalMercator.unproject(p); var w = gcjToWgs(g.lat, g.lng); return L.latLng(w[0], w[1]); }
    }
  });

  /* A map in el (an element or its id), with the deployment's tiles when there are any. */
  function create(el, options) {
    var o = options || {};
    el = typeof el === 'string' ? document.getElementById(el) : el;
    var cfg = document.body.dataset;
    var attribution = cfg.mapAttribution || '';
    var maxZoom = o.maxZoom || 18;
    var opts = {attributionControl: !!attribution, maxZoom: maxZoom, preferCanvas: !!o.preferCanvas, zoomSnap: 0.5};
    if (cfg.mapTiles && cfg.mapCrs === 'gcj02') { opts.crs = GCJ02; }
    var map = L.map(el, opts);
    if (cfg.mapTiles) {
      // Leaflet's attribution control takes HTML: the setting is shown as the text it is
      L.tileLayer(cfg.mapTiles, {maxZoom: maxZoom, attribution: escapeHTML(attribution), subdomains: cfg.mapSubdomains || 'abc'}).addTo(map);
      el.dataset.tiles = 'on';
    } else if (o.background) {
      el.style.background = o.background;
    }
    maps.push(map);
    return map;
  }

  // the outlines' look by level (3 区县 … 6 网格): light, under every layer of the page
  var LEVEL_STYLE = {
    3: {color: '#5b4a8b', weight: 2.5, dashArray: '6 4'},
    4: {color: '#5b4a8b', weight: 2},
    5: {color: '#2f6f4f', weight: 1.5},
    6: {color: '#8a6d3b', weight: 1, dashArray: '3 3'}
  };
  var SKETCH_NOTE = '示意边界（演示数据）';

  /* A region's name as a map label: 万福社区居委会 → 万福社区, 洪四村委会 → 洪四村. */
  function shortName(name) { return String(name || '').replace(/社区居委会$/, '社区').replace(/居委会$/, '社区').replace(/村委会$/, '村'); }

  /* Show a label only when its area is wide enough on screen to hold it. */
  function fitLabels(map, layer) {
    layer.eachLayer(function (l) {
      var b = l.getBounds && l.getBounds();
      if (!b || !b.isValid() || !l.getTooltip()) { return; }
      var w = map.latLngToContainerPoint(b.getNorthEast()).x - map.latLngToContainerPoint(b.getSouthWest()).x;
      var text = l.getTooltip().getContent().textContent || '';
      if (w > text.length * 12 + 6) { l.openTooltip(); } else { l.closeTooltip(); }
    });
  }

  /* The named outlines of a region's children (and the region's own), from the regions module, under
   * the page's layers. options: region (a code; empty: the account's own), url (default
   * /regions/boundaries/), fit (zoom to them), labels (default true). A promise of the layer. */
  function boundaries(map, options) {
    var o = options || {};
    if (!map.getPane('linli-outlines')) {
      map.createPane('linli-outlines').style.zIndex = 350;  // under Leaflet's overlays (400) and markers
      map.getPane('linli-outlines').style.pointerEvents = 'none';
      map.createPane('linli-labels').style.zIndex = 550;  // the names above the data, under tooltips (650)
      map.getPane('linli-labels').style.pointerEvents = 'none';
    }
    var container = map.getContainer();
    var layer = L.geoJSON(null, {
      pane: 'linli-outlines',
      interactive: false,
      style: function (f) {
        var p = f.properties || {};
        var s = L.Util.extend({fill: !p.self, fillOpacity: 0.03, fillColor: '#ffffff'}, LEVEL_STYLE[p.level] || LEVEL_STYLE[5]);
        if (p.self) { s.weight = (s.weight || 1) + 1; s.fill = false; }
        return s;
      },
      onEachFeature: function (f, l) {
        var p = f.properties || {};
        if (p.self || o.labels === false) { return; }
        tooltip(l, shortName(p.name), {permanent: true, direction: 'center', className: 'map-label', pane: 'linli-labels', interactive: false});
      }
    }).addTo(map);
    var url = (o.url || document.body.dataset.mapBoundaries || '/regions/boundaries/') +
      (o.region ? '?region=' + encodeURIComponent(o.region) : '');
    return getJSON(url).then(function (r) {
      var feats = (r.ok && r.data.features) || [];
      layer.addData({type: 'FeatureCollection', features: feats});
      // a permanent tooltip opens when added: size them to the view once it has one, and on every zoom
      map.whenReady(function () { fitLabels(map, layer); });
      map.on('zoomend', function () { fitLabels(map, layer); });
      if (feats.some(function (f) { return f.properties && f.properties.synthetic; }) && !container.querySelector('.map-sketch-note')) {
        var Note = L.Control.extend({onAdd: function () { return node('div', {className: 'map-sketch-note'}, SKETCH_NOTE); }});
        new Note({position: 'bottomleft'}).addTo(map);
      }
      if (o.fit && feats.length) { fit(map, layer.getBounds()); }
      container.dataset.boundaries = feats.length;
      return layer;
    });
  }

  /* A GeoJSON layer on map. options: style, pointToLayer (as Leaflet's), tooltip and popup:
   * function (properties, feature) returning text, a node, a list of lines, or null for none;
   * data: features to start with. */
  function geojson(map, options) {
    var o = options || {};
    function content(x) { return Array.isArray(x) ? lines(x) : x; }
    var layer = L.geoJSON(null, {
      style: o.style,
      pointToLayer: o.pointToLayer,
      onEachFeature: function (f, l) {
        var p = f.properties || {};
        var t = o.tooltip ? o.tooltip(p, f) : null;
        if (t !== null && t !== undefined) { tooltip(l, content(t)); }
        var q = o.popup ? o.popup(p, f) : null;
        if (q !== null && q !== undefined) { popup(l, content(q)); }
      }
    });
    if (o.data) { layer.addData(o.data); }
    return layer.addTo(map);
  }

  /* Region outlines named by their tooltip. */
  function outline(map, data, style) {
    return geojson(map, {style: style || {color: '#1f5f8b', weight: 1, fillOpacity: 0.04}, data: data,
      tooltip: function (p) { return p.name; }});
  }

  /* Zoom to bounds when they hold anything, to the fallback centre otherwise. */
  function fit(map, bounds, options) {
    var o = options || {};
    if (bounds && bounds.isValid && bounds.isValid()) {
      map.fitBounds(bounds, {padding: o.padding || [10, 10], maxZoom: o.maxZoom});
    } else {
      map.setView(o.centre || DEFAULT_CENTRE, o.zoom || 12);
    }
  }

  /* the map's view (grown by ``pad``, a fraction of its size) as an API's bbox: "minlng,minlat,maxlng,maxlat"
   * in WGS-84 (a GCJ-02 map unprojects to WGS-84 itself). */
  function bbox(map, pad) {
    var b = map.getBounds().pad(pad || 0);
    function c(x, lo, hi) { return Math.min(hi, Math.max(lo, x)).toFixed(6); }
    return [c(b.getWest(), -180, 180), c(b.getSouth(), -90, 90), c(b.getEast(), -180, 180), c(b.getNorth(), -90, 90)].join(',');
  }

  /* fetch a JSON answer: a promise of {ok, data}; an answer that is not JSON gives {ok: false, data: {}}. */
  function getJSON(url) {
    return fetch(url, {credentials: 'same-origin', headers: {Accept: 'application/json'}}).then(function (r) {
      return r.json().then(function (j) { return {ok: r.ok, data: j}; }, function () { return {ok: false, data: {}}; });
    });
  }

  /* The JSON of a data island ({{ value|json_script:"id" }}), or null when the page has none. */
  function island(id) {
    var el = document.getElementById(id);
    return el ? JSON.parse(el.textContent) : null;
  }

  /* A number from a data attribute, or the fallback when it is empty or not a number. */
  function num(value, fallback) {
    var n = value === undefined || value === null || value === '' ? NaN : Number(value);
    return Number.isFinite(n) ? n : fallback;
  }

  window.LinliMap = {
    DEFAULT_CENTRE: DEFAULT_CENTRE, maps: maps, create: create, geojson: geojson, outline: outline, fit: fit,
    boundaries: boundaries, bbox: bbox, wgsToGcj: wgsToGcj, gcjToWgs: gcjToWgs,
    getJSON: getJSON, island: island, num: num, node: node, lines: lines, tooltip: tooltip, popup: popup,
    idLink: idLink, escapeHTML: escapeHTML
  };
})();
