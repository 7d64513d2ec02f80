// The page's configuration; no HTML to edit. `make site` writes this file, in a
// copy of the page, from a deployed stack's outputs (scripts/site.sh); `make
// dev` serves its own. Empty values fall back: api to data-api-url in
// index.html (the local API), id to GET /resume (the stage's ResumeId).
// ?api=<url> and ?id=<id> on the page's address override both.
window.RESUME_CONFIG = window.RESUME_CONFIG || { api: "", id: "" };
