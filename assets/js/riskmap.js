/* The risk map: every element with data-src (a /api/v1/risk/map URL) becomes an ECharts map of
   the area's sub-areas, each filled with the colour of its level. A click on a sub-area opens
   its own map (data-drill + code) when the element has data-drill. data-theme="dark" draws it
   for the command screen. Legend swatches (.risk-swatch[data-color]) are painted. Drawn again after htmx swaps, and
   follows the window's size. */
(function () {
  "use strict";

  function name(level, lang) {
    return lang === "en" ? level.name_en : level.name_zh;
  }

  function drawOne(node) {
    if (typeof echarts === "undefined") { return; }
    var src = node.getAttribute("data-src");
    if (!src) { return; }
    fetch(src, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (view) {
        if (!view) { return; }
        var lang = node.getAttribute("data-lang") || document.documentElement.lang || "zh-CN";
        var levels = {};
        view.levels.forEach(function (l) { levels[l.key] = l; });
        if (!view.geojson.features.length) {
          node.textContent = node.getAttribute("data-empty") || "";
          node.classList.add("risk-map-empty");
          return;
        }
        var mapName = "risk-" + view.area_code;
        echarts.registerMap(mapName, view.geojson);
        var old = echarts.getInstanceByDom(node);
        if (old) { old.dispose(); }
        var dark = node.getAttribute("data-theme") === "dark";
        var chart = echarts.init(node, dark ? "dark" : null, { renderer: "canvas" });
        var names = {};
        view.areas.forEach(function (a) { names[a.code] = a.name; });
        chart.setOption({
          backgroundColor: "transparent",
          animation: false,
          tooltip: {
            trigger: "item",
            formatter: function (p) {
              var l = levels[p.data && p.data.level];
              return (names[p.name] || p.name) + (l ? "：" + name(l, lang) : "");
            }
          },
          series: [{
            type: "map",
            map: mapName,
            nameProperty: "code",
            roam: false,
            label: { show: true, fontSize: 11, formatter: function (p) { return names[p.name] || ""; } },
            emphasis: { label: { show: true } },
            data: view.areas.map(function (a) {
              var l = levels[a.level];
              return { name: a.code, level: a.level, itemStyle: { areaColor: l ? l.color : "#999" } };
            })
          }]
        });
        var drill = node.getAttribute("data-drill");
        if (drill) {
          chart.on("click", function (p) { if (p.name) { window.location.href = drill + encodeURIComponent(p.name); } });
        }
        node.setAttribute("data-drawn", String(view.geojson.features.length));
      });
  }

  // Legend swatches carry their colour as data (inline style attributes are refused by the
  // content security policy); styles set through the DOM are not.
  function paintSwatches(root) {
    Array.prototype.forEach.call((root || document).querySelectorAll(".risk-swatch[data-color]"), function (el) {
      el.style.backgroundColor = el.getAttribute("data-color");
    });
  }

  function draw(root) {
    paintSwatches(root);
    Array.prototype.forEach.call((root || document).querySelectorAll("[data-src].risk-map:not([data-drawn])"), drawOne);
  }

  document.addEventListener("DOMContentLoaded", function () { draw(document); });
  // An outerHTML swap replaces the element the event names: look in the whole document.
  document.addEventListener("htmx:afterSwap", function () { draw(document); });
  window.addEventListener("resize", function () {
    if (typeof echarts === "undefined") { return; }
    Array.prototype.forEach.call(document.querySelectorAll(".risk-map"), function (node) {
      var chart = echarts.getInstanceByDom(node);
      if (chart) { chart.resize(); }
    });
  });
})();
