/* 巡访 (care/visit.html): "记录我的位置" puts the phone's position into the form's hidden fields; the
 * photo picker says in Chinese how many photos were chosen.
 * Only numbers and fixed words are written to the page, as text. */
(function () {
  'use strict';
  var photos = document.getElementById('photos');
  var photosState = document.getElementById('photos-state');
  if (photos && photosState) {
    photos.addEventListener('change', function () {
      var n = photos.files ? photos.files.length : 0;
      photosState.textContent = n ? '已选择 ' + n + ' 张照片' + (n > 4 ? '（最多 4 张，请重新选择）' : '') : '未选择照片';
    });
  }
  var button = document.getElementById('locate');
  if (!button) { return; }
  var state = document.getElementById('locate-state');
  button.addEventListener('click', function () {
    if (!navigator.geolocation) { state.textContent = '本机不支持定位，可不填'; return; }
    state.textContent = '正在定位…';
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById('lat').value = pos.coords.latitude.toFixed(6);
      document.getElementById('lon').value = pos.coords.longitude.toFixed(6);
      state.textContent = '已记录位置（误差约 ' + Math.round(pos.coords.accuracy) + ' 米）';
    }, function () {
      state.textContent = '未能定位，可不填';
    }, {enableHighAccuracy: true, timeout: 10000});
  });
})();
