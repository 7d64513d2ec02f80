// The page's settings, worked out once for resume.js and counter.js (loaded
// after config.js, before them): window.RESUME_SETTINGS = { api, id }.
//
//   api  the API base URL, http(s) only, no trailing slash; "" if none:
//        on localhost, 127.0.0.1 or [::1] (development): ?api=<url> on the
//          page's address, else config.js's api, else data-api-url of <html>;
//        on any other host: config.js's api only.
//   id   the resume id: ?id=<id>, else config.js's id; "" means GET /resume.
//
// Why ?api= is for development only: on the owner's domain, a link with
// ?api=https://attacker would show another API's resume and links under the
// owner's name. ?id= only picks among the resumes the configured API serves.
(function () {
  "use strict";

  var LOCAL_HOSTS = ["localhost", "127.0.0.1", "[::1]"];
  var query = new URLSearchParams(window.location.search);
  var config = window.RESUME_CONFIG || {};
  var local = LOCAL_HOSTS.indexOf(window.location.hostname) >= 0;

  function configured(name) {
    return typeof config[name] === "string" ? config[name].trim() : "";
  }

  // An absolute http(s) URL without trailing slashes, else "".
  function httpBase(value) {
    try {
      var url = new URL(value);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href.replace(/\/+$/, "") : "";
    } catch (e) {
      return "";
    }
  }

  var api = local
    ? query.get("api") || configured("api") || document.documentElement.getAttribute("data-api-url") || ""
    : configured("api");

  window.RESUME_SETTINGS = Object.freeze({
    api: httpBase(api),
    id: query.get("id") || configured("id"),
  });
})();
