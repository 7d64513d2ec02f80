// The page's configuration; no HTML to edit. api: the API's base URL; "/api",
// the default, is the site's own origin, where the stack's CloudFront
// distribution (and `make dev`) serve the API next to the page: no CORS, and
// the CSP's connect-src 'self' allows it. An absolute URL names an API on
// another origin (`make site` writes one from a stack's outputs, for a site
// hosted elsewhere: scripts/site.sh). id: the resume; empty means GET /resume
// (the stage's ResumeId). ?id=<id> on the page's address overrides id;
// ?api=<url> overrides api on localhost/127.0.0.1/[::1] only (settings.js
// says why).
window.RESUME_CONFIG = window.RESUME_CONFIG || { api: "/api", id: "" };
