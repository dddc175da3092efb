/* The position picker of the request forms (cases/_form_fields.html): a click on the map puts the
 * point into the hidden lat/lon fields. The map element #pick carries data-lat/data-lon (the centre);
 * the island "areas" holds the outlines of the areas in scope. */
(function () {
  'use strict';
  var M = window.LinliMap;
  var el = document.getElementById('pick');
  var map = M.create(el, {maxZoom: 19});
  map.setView([M.num(el.dataset.lat, M.DEFAULT_CENTRE[0]), M.num(el.dataset.lon, M.DEFAULT_CENTRE[1])], 14);
  var lat = document.getElementById('lat'), lon = document.getElementById('lon'), label = document.getElementById('pick-label'), marker = null;
  function put(ll) {
    if (marker) { marker.setLatLng(ll); } else { marker = L.marker(ll).addTo(map); }
    lat.value = ll.lat.toFixed(6); lon.value = ll.lng.toFixed(6);
    label.textContent = '已选位置：' + lat.value + ', ' + lon.value;
  }
  if (lat.value && lon.value) { put(L.latLng(+lat.value, +lon.value)); }
  map.on('click', function (e) { put(e.latlng); });
  var areas = M.island('areas');
  if (areas) { M.outline(map, areas); }
  el.dataset.ready = '1';
})();
