// Shows the visitor count: one GET {api}/visitorcount per page view.
//
// The API base URL comes from `?api=<url>` on the page's address, else the
// `data-api-url` attribute of <html>. A failed call (network, CORS refusal,
// non-2xx, unexpected body) shows the error state instead of a number.
(function () {
  "use strict";

  var box = document.getElementById("visitor-counter");

  function apiBase() {
    var fromQuery = new URLSearchParams(window.location.search).get("api");
    var base = fromQuery || document.documentElement.getAttribute("data-api-url") || "";
    return base.replace(/\/+$/, "");
  }

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
    if (Number.isSafeInteger(body.unique_today)) {
      document.getElementById("visitor-unique").textContent = String(body.unique_today);
      document.getElementById("visitor-unique-wrap").hidden = false;
    }
    show("ready");
  }

  var base = apiBase();
  document.getElementById("visitor-api").textContent = base || "(not configured)";
  show("loading");
  fetch(base + "/visitorcount", { method: "GET", cache: "no-store", credentials: "omit" })
    .then(function (response) {
      if (!response.ok) {
        throw new Error("HTTP " + response.status);
      }
      return response.json();
    })
    .then(render)
    .catch(function (error) {
      console.error("visitor count unavailable:", error);
      show("error");
    });
})();
