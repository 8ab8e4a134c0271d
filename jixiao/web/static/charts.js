/* 对比分析 charts (ECharts, vendored). Data comes from a JSON block, never from inline script. */
(function () {
  "use strict";
  function init() {
    var block = document.getElementById("compare-data");
    if (!block || !window.echarts) return;
    var data = JSON.parse(block.textContent);
    var palette = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d"];
    var font = { fontFamily: "system-ui, 'PingFang SC', 'Noto Sans CJK SC', 'Microsoft YaHei', sans-serif" };
    var charts = [];

    var bar = document.getElementById("chart-bar");
    if (bar) {
      var c1 = echarts.init(bar, null, { renderer: "canvas" });
      c1.setOption({
        color: palette, textStyle: font, animation: false,
        tooltip: { trigger: "axis" }, legend: { top: 0 },
        grid: { left: 48, right: 16, top: 36, bottom: 90 },
        dataset: { source: [["部门"].concat(data.years.map(String))].concat(data.bar) },
        xAxis: { type: "category", axisLabel: { rotate: 30, interval: 0, width: 120, overflow: "truncate" } },
        yAxis: { type: "value", name: "评分", min: function (v) { return Math.max(0, Math.floor(v.min / 10) * 10 - 10); }, max: 100 },
        dataZoom: data.departments.length > 20 ? [{ type: "slider", bottom: 4, height: 16 }] : [],
        series: data.years.map(function () { return { type: "bar", barMaxWidth: 28 }; })
      });
      charts.push(c1);
    }

    var box = document.getElementById("chart-box");
    if (box) {
      var years = Object.keys(data.scores_by_year);
      var c2 = echarts.init(box);
      c2.setOption({
        color: palette, textStyle: font, animation: false,
        tooltip: { trigger: "item" },
        grid: { left: 48, right: 16, top: 40, bottom: 36 },
        dataset: [
          { source: years.map(function (y) { return data.scores_by_year[y]; }) },
          { transform: { type: "boxplot", config: { itemNameFormatter: function (p) { return years[p.value]; } } } },
          { fromDatasetIndex: 1, fromTransformResult: 1 }
        ],
        xAxis: { type: "category", name: "年度" },
        yAxis: { type: "value", name: "评分", scale: true },
        series: [
          { name: "评分", type: "boxplot", datasetIndex: 1, itemStyle: { color: "#dbeafe", borderColor: "#2563eb" } },
          { name: "离群值", type: "scatter", datasetIndex: 2 }
        ]
      });
      charts.push(c2);
    }

    var sc = document.getElementById("chart-scatter");
    if (sc) {
      var c3 = echarts.init(sc);
      c3.setOption({
        color: palette, textStyle: font, animation: false,
        tooltip: { formatter: function (p) { var v = p.value; return echarts.format.encodeHTML(String(v[2])) + " " + v[3] + "<br>执行率 " + v[0] + "%<br>自评分 " + v[1]; } },
        grid: { left: 48, right: 24, top: 40, bottom: 40 },
        xAxis: { type: "value", name: "预算执行率 %", scale: true, nameLocation: "middle", nameGap: 26 },
        yAxis: { type: "value", name: "自评分", scale: true },
        series: [{ type: "scatter", symbolSize: 10, data: data.scatter, itemStyle: { opacity: 0.8 } }]
      });
      c3.on("click", function (p) { if (p.value && p.value[4]) window.location.href = "/reports/" + p.value[4]; });
      charts.push(c3);
    }
    window.addEventListener("resize", function () { charts.forEach(function (c) { c.resize(); }); });
  }
  if (document.readyState !== "loading") init(); else document.addEventListener("DOMContentLoaded", init);
})();
