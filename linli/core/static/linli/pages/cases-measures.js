/* 诉求统计 (cases/measures.html): the rates of each group as bars; the island "chart-data" holds
 * {labels, series: {name: [rates]}}. */
(function () {
  'use strict';
  var C = window.LinliCharts;
  var d = C.island('chart-data');
  var c = C.init(document.getElementById('chart'));
  var names = Object.keys(d.series);
  c.setOption({
    tooltip: C.axisTooltip({named: true, format: function (v) { return v === null || v === undefined ? '—' : v + '%'; }}),
    legend: {data: names}, grid: {left: 50, right: 10, bottom: 80},
    xAxis: {type: 'category', data: d.labels, axisLabel: {rotate: d.labels.length > 6 ? 40 : 0, interval: 0}},
    yAxis: {type: 'value', max: 100, axisLabel: {formatter: '{value}%'}},
    series: names.map(function (n) { return {name: n, type: 'bar', data: d.series[n]}; })
  });
})();
