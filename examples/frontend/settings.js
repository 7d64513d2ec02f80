// The page's settings, worked out once for resume.js and counter.js (loaded
// after config.js, before them): window.RESUME_SETTINGS = { api, id }.
//
//   api  the API base URL, absolute, http(s) only, no trailing slash; "" if
//        none. config.js's api, resolved against the page's address ("/api":
//        this origin's /api); on localhost, 127.0.0.1 or [::1]
//        (development), ?api=<url> on the page's address overrides it.
//   id   the resume id: ?id=<id>, else config.js's id; "" means GET /resume.
//
// Why ?api= is for development only: on the owner's domain, a link with
// ?api=https://attacker would show another API's resume and links under the
// owner's name. ?id= only picks among the resumes the configured API serves.
// (Where the site's CSP has connect-src 'self', as behind the stack's
// distribution and under `make dev`, the browser also refuses an ?api= on
// another origin.)
(function () {
  "use strict";

  var LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"];
  var query = new URLSearchParams(window.location.search);
  var config = window.RESUME_CONFIG || {};
  var local = LOCAL_HOSTS.indexOf(window.location.hostname) >= 0;

  function configured(name) {
    return typeof config[name] === "string" ? config[name].trim() : "";
  }

  // `value` resolved against the page's address: an http(s) URL without
  // trailing slashes, else "" ("" stays "": no API).
  function httpBase(value) {
    if (!value) return "";
    try {
      var url = new URL(value, window.location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href.replace(/\/+$/, "") : "";
    } catch (e) {
      return "";
    }
  }

  var api = (local && query.get("api")) || configured("api");

  window.RESUME_SETTINGS = Object.freeze({
    api: httpBase(api),
    id: query.get("id") || configured("id"),
  });
})();
