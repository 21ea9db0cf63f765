// Charts of every module, drawn with the bundled ECharts (portal/vendor/echarts, from npm; no CDN).
// A page marks a chart with <div class="chart" data-chart="ID" role="img" aria-label="…"> and puts its
// ECharts option as JSON in <script type="application/json" id="ID"> (data, not code: the CSP allows no
// inline script). Each chart sits beside a table of the same figures, so a screen reader or a printed
// page reads them without the picture. Charts follow the page's width (phone, desk, hall screen).
(function () {
  "use strict";
  function draw() {
    if (typeof window.echarts === "undefined") {
      return;
    }
    var charts = [];
    document.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-chart"));
      if (!source) {
        return;
      }
      var option;
      try {
        option = JSON.parse(source.textContent);
      } catch (error) {
        return;
      }
      var chart = window.echarts.init(element, null, { renderer: "svg" });
      chart.setOption(option);
      charts.push(chart);
    });
    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
