/* 设施登记/修改 (facilities/form.html): the opening-hours editor adds up each day's hours as they are
 * typed; the small map picks the position (WGS-84) over the region outlines. The map element carries
 * data-boundaries (the outlines' URL) and data-lat/data-lon (where to look when nothing is picked). */
(function () {
  'use strict';
  var M = window.LinliMap;

  function minutes(t) { var m = /^(\d{1,2})[:：](\d{2})$/.exec(t.trim()); return m ? (+m[1]) * 60 + (+m[2]) : null; }
  function dayHours(text) {
    text = text.trim(); if (!text || text === '休息') { return 0; }
    var total = 0, parts = text.split(/[,，;；、\s]+/).filter(Boolean);
    for (var i = 0; i < parts.length; i++) {
      var e = parts[i].split(/\s*[-–—~～至]\s*/); if (e.length !== 2) { return null; }
      var a = minutes(e[0]), b = minutes(e[1]); if (a === null || b === null || b <= a) { return null; }
      total += b - a;
    }
    return total / 60;
  }
  function round(h) { return Math.round(h * 100) / 100; }
  var inputs = document.querySelectorAll('#hours-editor input[data-day]');
  function refresh() {
    var week = 0;
    inputs.forEach(function (inp) {
      var h = dayHours(inp.value), cell = document.getElementById('h-' + inp.dataset.day);
      if (h === null) { cell.replaceChildren(M.node('span', {className: 'bad'}, '格式有误')); return; }
      week += h;
      if (h === 0) { cell.replaceChildren(M.node('span', {className: 'muted'}, '不开放')); return; }
      cell.replaceChildren(round(h) + ' 小时');
      if (h < 8) { cell.append(' ', M.node('span', {className: 'tag care'}, '不足 8 小时')); }
    });
    document.getElementById('h-week').textContent = round(week) + ' 小时/周';
  }
  inputs.forEach(function (inp) { inp.addEventListener('input', refresh); });
  document.getElementById('copy-mon').addEventListener('click', function () { for (var i = 1; i < 5; i++) { inputs[i].value = inputs[0].value; } refresh(); });
  document.getElementById('clear-weekend').addEventListener('click', function () { inputs[5].value = ''; inputs[6].value = ''; refresh(); });
  refresh();

  var el = document.getElementById('pick-map');
  var lat = document.getElementById('f-lat'), lon = document.getElementById('f-lon'), sys = document.getElementById('f-coord');
  var map = M.create(el, {maxZoom: 19});
  var marker = null;
  function put(la, lo) { if (marker) { marker.setLatLng([la, lo]); } else { marker = L.marker([la, lo]).addTo(map); } }
  var bounds = M.geojson(map, {
    style: function (f) { return f.properties.kind === 'region' ? {color: '#c0392b', weight: 1.2, fillOpacity: 0.03} : {}; },
    pointToLayer: function (f, ll) { return L.circleMarker(ll, {radius: 3, color: '#888', weight: 1, fillOpacity: 0.5}); },
    tooltip: function (p) { return p.name; }
  });
  if (lat.value && lon.value && sys.value === 'wgs84') { put(+lat.value, +lon.value); map.setView([+lat.value, +lon.value], 16); }
  else { map.setView([M.num(el.dataset.lat, M.DEFAULT_CENTRE[0]), M.num(el.dataset.lon, M.DEFAULT_CENTRE[1])], 15); }
  M.getJSON(el.dataset.boundaries).then(function (r) {
    var features = (r.ok && r.data.features) || [];
    bounds.addData({type: 'FeatureCollection', features: features});
    if (!(lat.value && lon.value) && features.length) { M.fit(map, bounds.getBounds()); }
    el.dataset.loaded = features.length;
  });
  map.on('click', function (e) { lat.value = e.latlng.lat.toFixed(6); lon.value = e.latlng.lng.toFixed(6); sys.value = 'wgs84'; put(e.latlng.lat, e.latlng.lng); });
})();
