/* 诉求统计 (cases/measures.html): the rates of each group as bars; the island "chart-data" holds
 * {labels, series: {name: [rates]}}. The legend sits above the plot and the group labels get the
 * room they need (containLabel), so neither runs into the other; on a narrow screen the bars lie
 * horizontally, one row per group, with the group's name on the left. */
(function () {
  'use strict';
  var C = window.LinliCharts;
  var d = C.island('chart-data');
  var el = document.getElementById('chart');
  var names = Object.keys(d.series);
  var narrow = el.clientWidth < 600;
  if (narrow) { el.style.height = Math.max(320, 60 + d.labels.length * 64) + 'px'; }
  var c = C.init(el);
  var labels = {type: 'category', data: d.labels,
    axisLabel: {interval: 0, width: narrow ? 110 : 96, overflow: 'truncate',
      rotate: !narrow && d.labels.length > 6 ? 40 : 0}};
  var rates = {type: 'value', max: 100, axisLabel: {formatter: '{value}%'}};
  if (narrow) { labels.inverse = true; }  // the first (largest) group on top, as in the table
  c.setOption({
    tooltip: C.axisTooltip({named: true, format: function (v) { return v === null || v === undefined ? '—' : v + '%'; }}),
    legend: {data: names, top: 0, left: 'center', itemGap: 12},
    grid: {top: narrow ? 56 : 40, left: 8, right: 16, bottom: 8, containLabel: true},
    xAxis: narrow ? rates : labels,
    yAxis: narrow ? labels : rates,
    series: names.map(function (n) { return {name: n, type: 'bar', data: d.series[n]}; })
  });
})();
