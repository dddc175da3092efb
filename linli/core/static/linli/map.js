/* The map module of the project: every page that shows a Leaflet map makes it, its layers, tooltips
 * and popups here (loaded after vendor/leaflet/leaflet.js, before the page's own module).
 *
 * Leaflet puts a string given to bindTooltip/bindPopup/divIcon on the page as HTML, so nothing here
 * ever hands it a string: tooltips and popups get DOM nodes whose text is set as text, links are
 * built as elements whose href comes from a number. Tile settings come from the <body> attributes
 * data-map-tiles (a URL template) and data-map-attribution (plain text).
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

  /* A map in el (an element or its id), with the deployment's tiles when there are any. */
  function create(el, options) {
    var o = options || {};
    el = typeof el === 'string' ? document.getElementById(el) : el;
    var cfg = document.body.dataset;
    var attribution = cfg.mapAttribution || '';
    var maxZoom = o.maxZoom || 18;
    var map = L.map(el, {attributionControl: !!attribution, maxZoom: maxZoom, preferCanvas: !!o.preferCanvas});
    if (cfg.mapTiles) {
      // Leaflet's attribution control takes HTML: the setting is shown as the text it is
      L.tileLayer(cfg.mapTiles, {maxZoom: maxZoom, attribution: escapeHTML(attribution)}).addTo(map);
    } else if (o.background) {
      el.style.background = o.background;
    }
    maps.push(map);
    return map;
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
    getJSON: getJSON, island: island, num: num, node: node, lines: lines, tooltip: tooltip, popup: popup,
    idLink: idLink, escapeHTML: escapeHTML
  };
})();
