/* The command screen's charts: every element with data-chart (a JSON list of series
   {name, points: [[label, value], …]}) becomes an ECharts line chart in the dark theme. Charts
   are drawn again after htmx swaps a fresh screen in, and follow the window's size. */
(function () {
  "use strict";

  function draw(root) {
    if (typeof echarts === "undefined") { return; }
    var nodes = (root || document).querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(nodes, function (node) {
      var series;
      try { series = JSON.parse(node.getAttribute("data-chart")); } catch (e) { return; }
      if (!series.length) { return; }
      var old = echarts.getInstanceByDom(node);
      if (old) { old.dispose(); }
      var chart = echarts.init(node, "dark", { renderer: "canvas" });
      chart.setOption({
        backgroundColor: "transparent",
        animation: false,
        tooltip: { trigger: "axis" },
        legend: { top: 0, textStyle: { fontSize: 14 } },
        grid: { left: 48, right: 16, top: 40, bottom: 28 },
        xAxis: { type: "category", data: series[0].points.map(function (p) { return p[0]; }) },
        yAxis: { type: "value" },
        series: series.map(function (s) {
          return { name: s.name, type: "line", showSymbol: false,
                   data: s.points.map(function (p) { return p[1]; }) };
        })
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  document.addEventListener("htmx:afterSwap", function (e) { draw(e.detail && e.detail.elt ? e.detail.elt.parentNode || document : document); });
  window.addEventListener("resize", function () {
    if (typeof echarts === "undefined") { return; }
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart]"), function (node) {
      var chart = echarts.getInstanceByDom(node);
      if (chart) { chart.resize(); }
    });
  });
})();
