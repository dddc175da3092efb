/* 每周开放时间 editor, for every page with a week of hours (facility form, service form): it adds up
 * each day's hours as they are typed. It only previews: the server's opening-hours engine
 * (linli/facilities/engine/hours.py) reads the same text with the same rules and has the last word.
 *
 * The editor is an element holding inputs with data-day="1"…"7"; each day's total goes into #h-<day>,
 * the week's into #h-week; #copy-mon and #clear-weekend, when present, copy Monday to Tuesday–Friday
 * and empty the weekend. data-min-daily on the editor marks open days under that many hours (default
 * 8, the plans' "不少于每天8小时"; 0 marks none). Text reaches the page as text only. */
(function () {
  'use strict';
  var CLOSED = ['', '休息', '闭馆', '不开放', '关闭', '-', '—'];

  function minutes(t) {
    var m = /^(\d{1,2})[:：](\d{2})$/.exec(t.trim());
    if (!m) { return null; }
    var h = +m[1], mi = +m[2];
    if (mi >= 60 || h > 24 || (h === 24 && mi)) { return null; }
    return h * 60 + mi;
  }

  /* Hours open on a day written as "08:30-12:00, 14:30-18:00"; null when the engine would refuse it. */
  function dayHours(text) {
    text = text.trim();
    if (CLOSED.indexOf(text) >= 0) { return 0; }
    if (text === '全天' || text === '24小时') { return 24; }
    var spans = [], parts = text.split(/[,，;；、\s]+/).filter(Boolean);
    for (var i = 0; i < parts.length; i++) {
      var e = parts[i].split(/\s*[-–—~～至]\s*/);
      if (e.length !== 2) { return null; }
      var a = minutes(e[0]), b = minutes(e[1]);
      if (a === null || b === null || b <= a) { return null; }
      spans.push([a, b]);
    }
    spans.sort(function (x, y) { return x[0] - y[0]; });
    var total = 0;
    for (var j = 0; j < spans.length; j++) {
      if (j && spans[j][0] < spans[j - 1][1]) { return null; }
      total += spans[j][1] - spans[j][0];
    }
    return total / 60;
  }

  function span(className, text) { var s = document.createElement('span'); s.className = className; s.textContent = text; return s; }
  function round(h) { return Math.round(h * 100) / 100; }

  function attach(editor) {
    var inputs = editor.querySelectorAll('input[data-day]');
    var minDaily = editor.dataset.minDaily === undefined ? 8 : +editor.dataset.minDaily;
    var weekCell = document.getElementById('h-week');
    function refresh() {
      var week = 0;
      inputs.forEach(function (inp) {
        var h = dayHours(inp.value), cell = document.getElementById('h-' + inp.dataset.day);
        if (!cell) { return; }
        if (h === null) { cell.replaceChildren(span('bad', '格式有误')); return; }
        week += h;
        if (h === 0) { cell.replaceChildren(span('muted', '不开放')); return; }
        cell.replaceChildren(round(h) + ' 小时');
        if (h < minDaily) { cell.append(' ', span('tag care', '不足 ' + minDaily + ' 小时')); }
      });
      if (weekCell) { weekCell.textContent = round(week) + ' 小时/周'; }
    }
    inputs.forEach(function (inp) { inp.addEventListener('input', refresh); });
    var copy = document.getElementById('copy-mon'), clear = document.getElementById('clear-weekend');
    if (copy) { copy.addEventListener('click', function () { for (var i = 1; i < 5; i++) { inputs[i].value = inputs[0].value; } refresh(); }); }
    if (clear) { clear.addEventListener('click', function () { inputs[5].value = ''; inputs[6].value = ''; refresh(); }); }
    refresh();
  }

  window.LinliWeekHours = {dayHours: dayHours, attach: attach};
  document.querySelectorAll('[data-week-hours], #hours-editor').forEach(attach);
})();
