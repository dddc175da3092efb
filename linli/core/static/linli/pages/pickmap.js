/* The position picker of the request forms (cases/_form_fields.html): a click on the map puts the
 * point into the hidden lat/lon fields. The map element #pick carries data-lat/data-lon (the centre);
 * the island "areas" holds the outlines of the areas in scope. Where the form has a #use-position
 * button (上报事件) and the browser can locate the phone, the button puts the phone's position (WGS-84)
 * there instead: no map tap is needed. Every pick is announced as the event "linli:picked" on #pick; a
 * "linli:place" event with detail {lat, lon} (a building chosen by search, 我要反映) only shows the place.
 * Inside a closed <details> the map is sized when it opens. */
(function () {
  'use strict';
  var M = window.LinliMap;
  var el = document.getElementById('pick');
  var map = M.create(el, {maxZoom: 19});
  M.boundaries(map);  // the named outlines of the account's region
  map.setView([M.num(el.dataset.lat, M.DEFAULT_CENTRE[0]), M.num(el.dataset.lon, M.DEFAULT_CENTRE[1])], 14);
  var lat = document.getElementById('lat'), lon = document.getElementById('lon'), label = document.getElementById('pick-label'), marker = null;
  function put(ll) {
    if (marker) { marker.setLatLng(ll); } else { marker = L.marker(ll).addTo(map); }
    lat.value = ll.lat.toFixed(6); lon.value = ll.lng.toFixed(6);
    label.textContent = '已选位置：' + lat.value + ', ' + lon.value;
    el.dispatchEvent(new CustomEvent('linli:picked'));
  }
  el.addEventListener('linli:place', function (e) {
    var ll = L.latLng(e.detail.lat, e.detail.lon);
    if (marker) { marker.setLatLng(ll); } else { marker = L.marker(ll).addTo(map); }
    map.setView(ll, 17);
  });
  var box = el.closest('details');
  if (box) { box.addEventListener('toggle', function () { if (box.open) { map.invalidateSize(); } }); }
  if (lat.value && lon.value) { put(L.latLng(+lat.value, +lon.value)); }
  map.on('click', function (e) { put(e.latlng); });
  var use = document.getElementById('use-position');
  if (use && navigator.geolocation) {
    use.hidden = false;
    use.addEventListener('click', function () {
      label.textContent = '正在获取手机位置…';
      navigator.geolocation.getCurrentPosition(function (pos) {
        var ll = L.latLng(pos.coords.latitude, pos.coords.longitude);
        put(ll);
        map.setView(ll, 17);
        label.textContent = '已使用我的位置（误差约 ' + Math.round(pos.coords.accuracy || 0) + ' 米），可在地图上点选修正';
      }, function () {
        label.textContent = use.dataset.failed || '无法获取手机位置（未允许定位或信号弱）：可在地图上点选；不选时记在所在网格';
      }, {enableHighAccuracy: true, timeout: 15000, maximumAge: 60000});
    });
  }
  var areas = M.island('areas');
  if (areas) { M.outline(map, areas); }
  el.dataset.ready = '1';
})();
