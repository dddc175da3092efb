/* 平战结合: the warning area on a map (through the project's map module, LinliMap).
 *
 * Drawing (warning and response forms): a div.em-draw-map beside the form's polygon field — each click
 * on the map adds a corner, 撤销 takes the last one off, 清除 starts again; the corners are written into
 * the field as “纬度,经度; …”, which stays editable (typing redraws the shape) and is checked by the
 * server as before. Showing (a warning's page, the resident's page): a div.em-show-map whose
 * data-island names a JSON data island with the polygons ([[lat, lon], …] each) and, for the
 * resident, the nearest shelters ({name, lat, lon}); the shapes are drawn over the region outlines.
 */
(function () {
  'use strict';
  var M = window.LinliMap;
  if (!M || !window.L) { return; }

  function parse(text) {
    var pts = [];
    String(text || '').split(/[;；\n]+/).forEach(function (part) {
      var xy = part.replace(/，/g, ',').split(',').map(function (s) { return Number(s.trim()); });
      if (xy.length === 2 && xy.every(Number.isFinite)) { pts.push([xy[0], xy[1]]); }
    });
    return pts;
  }

  function format(pts) {
    return pts.map(function (p) { return p[0].toFixed(5) + ',' + p[1].toFixed(5); }).join('; ');
  }

  var SHAPE = {color: '#c0392b', weight: 2, fillColor: '#e74c3c', fillOpacity: 0.18};

  function drawer(el) {
    var field = el.closest('fieldset').querySelector('input[name=polygon]');
    if (!field) { return; }
    var map = M.create(el, {maxZoom: 18});
    map.setView(M.DEFAULT_CENTRE, 13);
    M.boundaries(map, {region: el.dataset.region || '', fit: !parse(field.value).length});
    var layer = L.layerGroup().addTo(map);
    var pts = parse(field.value);
    var count = el.parentNode.querySelector('.em-draw-count');

    function redraw(fit) {
      layer.clearLayers();
      if (pts.length >= 3) { L.polygon(pts, SHAPE).addTo(layer); } else if (pts.length === 2) { L.polyline(pts, SHAPE).addTo(layer); }
      pts.forEach(function (p) { L.circleMarker(p, {radius: 5, color: '#c0392b', weight: 2, fillColor: '#fff', fillOpacity: 1}).addTo(layer); });
      if (count) {
        count.textContent = pts.length === 0 ? '还没有画范围：在地图上依次点出范围的各个角。'
          : pts.length < 3 ? '已点 ' + pts.length + ' 个角，至少要 3 个角。'
          : '已画出 ' + pts.length + ' 个角的范围。';
      }
      el.dataset.points = pts.length;
      if (fit && pts.length) { M.fit(map, L.latLngBounds(pts)); }
    }
    function write() { field.value = format(pts); redraw(false); }

    map.on('click', function (e) { pts.push([e.latlng.lat, e.latlng.lng]); write(); });
    field.addEventListener('change', function () { pts = parse(field.value); redraw(true); });
    var undo = el.parentNode.querySelector('.em-draw-undo');
    var clear = el.parentNode.querySelector('.em-draw-clear');
    if (undo) { undo.addEventListener('click', function () { pts.pop(); write(); }); }
    if (clear) { clear.addEventListener('click', function () { pts = []; write(); }); }
    redraw(true);
  }

  function viewer(el) {
    var data = M.island(el.dataset.island) || {};
    var map = M.create(el, {maxZoom: 18});
    map.setView(M.DEFAULT_CENTRE, 13);
    var bounds = L.latLngBounds([]);
    (data.polygons || []).forEach(function (poly) {
      if (poly.points && poly.points.length >= 3) {
        var shape = L.polygon(poly.points, SHAPE).addTo(map);
        if (poly.label) { M.tooltip(shape, poly.label); }
        bounds.extend(shape.getBounds());
      }
    });
    (data.shelters || []).forEach(function (s) {
      if (Number.isFinite(s.lat) && Number.isFinite(s.lon)) {
        var m = L.circleMarker([s.lat, s.lon], {radius: 8, color: '#1e7e34', weight: 2, fillColor: '#2ecc71', fillOpacity: 0.9}).addTo(map);
        M.tooltip(m, s.name, {permanent: true, direction: 'top'});
        bounds.extend([s.lat, s.lon]);
      }
    });
    M.boundaries(map, {region: el.dataset.region || '', fit: !bounds.isValid()});
    if (bounds.isValid()) { M.fit(map, bounds.pad(0.15)); }
  }

  document.querySelectorAll('.em-draw-map').forEach(drawer);
  document.querySelectorAll('.em-show-map').forEach(viewer);
})();
