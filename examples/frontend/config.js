// The page's configuration; no HTML to edit. `make site` writes this file, in a
// copy of the page, from a deployed stack's outputs (scripts/site.sh); `make
// dev` serves its own. Empty values fall back: id to GET /resume (the stage's
// ResumeId); api, on localhost/127.0.0.1/[::1] only, to data-api-url in
// index.html (the local API), else there is no API. ?id=<id> on the page's
// address overrides id; ?api=<url> overrides api on those local hosts only
// (settings.js says why).
window.RESUME_CONFIG = window.RESUME_CONFIG || { api: "", id: "" };
