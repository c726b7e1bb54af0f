/* The investigation page: the transmission chain (cases → close contacts → secondary contacts)
   as an ECharts graph from data-graph-url, and the select-all checkbox of the candidate table.
   External file: the pages' Content-Security-Policy allows no inline script. */
(function () {
  "use strict";

  var COLORS = { "case": "#c0392b", "close": "#e67e22", "secondary": "#2e86c1" };

  function draw(node) {
    if (typeof echarts === "undefined") { return; }
    fetch(node.getAttribute("data-graph-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (g) {
        if (!g) { return; }
        var kinds = ["case", "close", "secondary"];
        var categories = kinds.map(function (k) {
          return { name: node.getAttribute("data-label-" + k) || k, itemStyle: { color: COLORS[k] } };
        });
        var n = g.nodes.length;
        node.style.height = (n > 60 ? 560 : n > 15 ? 440 : 320) + "px";
        var chart = echarts.getInstanceByDom(node) || echarts.init(node, null, { renderer: "canvas" });
        chart.setOption({
          animation: false,
          tooltip: {
            formatter: function (p) {
              if (p.dataType === "edge") { return p.data.place || ""; }
              return p.data.name + " · " + categories[p.data.category].name;
            }
          },
          legend: [{ data: categories.map(function (c) { return c.name; }), top: 0 }],
          series: [{
            type: "graph",
            layout: "force",
            roam: true,
            draggable: true,
            categories: categories,
            force: { repulsion: n > 60 ? 80 : 220, edgeLength: n > 60 ? 40 : 110, gravity: 0.1 },
            label: { show: n <= 60, position: "right", fontSize: 12 },
            edgeSymbol: ["none", "arrow"],
            edgeSymbolSize: 6,
            lineStyle: { color: "source", opacity: 0.7 },
            data: g.nodes.map(function (d) {
              var k = kinds.indexOf(d.kind);
              return { id: String(d.id), name: d.name, category: k < 0 ? 1 : k,
                       symbolSize: d.kind === "case" ? 22 : d.kind === "close" ? 14 : 9,
                       itemStyle: d.state === "dismissed" ? { opacity: 0.35 } : undefined };
            }),
            links: g.edges.map(function (e) {
              return { source: String(e.source), target: String(e.target), place: e.place_name || "" };
            })
          }]
        });
      });
  }

  function init() {
    var node = document.getElementById("chain-graph");
    if (node) { draw(node); }
    Array.prototype.forEach.call(document.querySelectorAll("[data-select-all]"), function (all) {
      var name = all.getAttribute("data-select-all");
      var form = all.form || document;
      all.addEventListener("change", function () {
        Array.prototype.forEach.call(form.querySelectorAll("input[type=checkbox][name='" + name + "']"), function (box) {
          box.checked = all.checked;
        });
      });
    });
  }

  document.addEventListener("DOMContentLoaded", init);
  window.addEventListener("resize", function () {
    var node = document.getElementById("chain-graph");
    var chart = node && typeof echarts !== "undefined" ? echarts.getInstanceByDom(node) : null;
    if (chart) { chart.resize(); }
  });
})();
