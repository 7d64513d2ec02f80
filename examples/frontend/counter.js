// Shows the visitor count (one GET {api}/visitorcount per page view), then a
// 30-day chart of views and unique visitors from GET {api}/visitorcount/stats,
// drawn as inline SVG.
//
// The API base URL: window.RESUME_SETTINGS.api (settings.js). A failed call
// (network, CORS refusal, non-2xx, unexpected body) or no API at all shows the
// error state instead of a number; with no API nothing is fetched.
(function () {
  "use strict";

  var SVG = "http://www.w3.org/2000/svg";
  var DAYS = 30;
  var box = document.getElementById("visitor-counter");

  function show(state) {
    box.setAttribute("data-state", state);
    document.getElementById("visitor-loading").hidden = state !== "loading";
    document.getElementById("visitor-ready").hidden = state !== "ready";
    document.getElementById("visitor-error").hidden = state !== "error";
  }

  function render(body) {
    if (!body || !Number.isSafeInteger(body.count) || body.count < 0) {
      throw new Error("the answer has no count");
    }
    document.getElementById("visitor-count").textContent = String(body.count);
    box.setAttribute("data-count", String(body.count));
    box.setAttribute("data-counted", String(body.counted === true));
    if (Number.isSafeInteger(body.unique_today)) {
      document.getElementById("visitor-unique").textContent = String(body.unique_today);
      document.getElementById("visitor-unique-wrap").hidden = false;
    }
    show("ready");
  }

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, String(attrs[k])); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  // One bar per day for views, and one dot per day for unique visitors.
  function drawChart(stats) {
    var days = stats && Array.isArray(stats.days) ? stats.days : null;
    if (!days || !days.length) throw new Error("the history has no days");
    var width = 600, height = 160, left = 28, bottom = 20, top = 8;
    var plotW = width - left, plotH = height - bottom - top;
    var max = Math.max(1, Math.max.apply(null, days.map(function (d) { return d.views || 0; })));
    var step = plotW / days.length;
    var totalViews = 0, peakUniques = 0;
    var chart = svg("svg", {
      viewBox: "0 0 " + width + " " + height,
      role: "img",
      "aria-labelledby": "chart-title chart-desc",
    });
    chart.appendChild(svg("title", { id: "chart-title" }, "Views and unique visitors per day"));
    var desc = svg("desc", { id: "chart-desc" });
    chart.appendChild(desc);
    chart.appendChild(svg("line", { class: "axis", x1: left, y1: top + plotH, x2: width, y2: top + plotH }));
    chart.appendChild(svg("text", { x: 0, y: top + 10 }, String(max)));
    chart.appendChild(svg("text", { x: 0, y: top + plotH }, "0"));
    days.forEach(function (d, i) {
      var views = d.views || 0, uniques = d.uniques || 0;
      totalViews += views;
      peakUniques = Math.max(peakUniques, uniques);
      var h = (views / max) * plotH;
      var bar = svg("rect", {
        class: "views",
        x: (left + i * step + step * 0.15).toFixed(1),
        y: (top + plotH - h).toFixed(1),
        width: (step * 0.7).toFixed(1),
        height: h.toFixed(1),
        "data-date": d.date,
        "data-views": views,
      });
      bar.appendChild(svg("title", {}, d.date + ": " + views + " views, " + uniques + " unique"));
      chart.appendChild(bar);
      chart.appendChild(svg("circle", {
        class: "uniques",
        cx: (left + i * step + step / 2).toFixed(1),
        cy: (top + plotH - (uniques / max) * plotH).toFixed(1),
        r: 2.5,
        "data-date": d.date,
        "data-uniques": uniques,
      }));
    });
    chart.appendChild(svg("text", { x: left, y: height - 4 }, days[0].date));
    chart.appendChild(svg("text", { x: width, y: height - 4, "text-anchor": "end" }, days[days.length - 1].date));
    desc.textContent = "From " + days[0].date + " to " + days[days.length - 1].date + ": " +
      totalViews + " views in all; at most " + peakUniques + " unique visitors on one day.";

    var legend = document.createElement("ul");
    legend.className = "legend";
    [["views", "Views"], ["uniques", "Unique visitors"]].forEach(function (item) {
      var li = document.createElement("li");
      var swatch = document.createElement("span");
      swatch.className = "swatch";
      swatch.style.background = item[0] === "views" ? "var(--views)" : "var(--uniques)";
      swatch.setAttribute("aria-hidden", "true");
      li.appendChild(swatch);
      li.appendChild(document.createTextNode(item[1]));
      legend.appendChild(li);
    });
    var body = document.getElementById("visitor-chart-body");
    body.replaceChildren(chart, legend);
    document.getElementById("visitor-chart").setAttribute("data-state", "ready");
  }

  function chartFailed(error) {
    console.error("visitor history unavailable:", error);
    document.getElementById("visitor-chart").setAttribute("data-state", "error");
    document.getElementById("visitor-chart-error").hidden = false;
  }

  var base = (window.RESUME_SETTINGS || {}).api || "";

  function getJson(path, options) {
    if (!base) return Promise.reject(new Error("no API configured (config.js)"));
    return fetch(base + path, options).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    });
  }

  document.getElementById("visitor-api").textContent = base || "(not configured)";
  show("loading");
  getJson("/visitorcount", { method: "GET", cache: "no-store", credentials: "omit" })
    .then(render)
    .catch(function (error) {
      console.error("visitor count unavailable:", error);
      show("error");
    })
    // The chart after the count, so that it includes this view.
    .then(function () {
      return getJson("/visitorcount/stats?days=" + DAYS, { method: "GET", credentials: "omit" });
    })
    .then(drawChart)
    .catch(chartFailed);
})();
