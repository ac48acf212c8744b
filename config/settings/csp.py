"""Content-Security-Policy (django-csp, through `config.csp.ContentSecurityPolicyMiddleware`): what
a page of Estran may load and run, so that text slipping through as markup still cannot act.

- Scripts only from Estran's own static files: no inline script, no event-handler attribute, no
  eval. An inline script that must stay takes the request's nonce (`nonce="{{ request.csp_nonce }}"`).
  Data blocks (`<script type="application/ld+json">`, `json_script`) are never run by a browser, so
  script-src does not apply to them and they need no nonce (which also keeps the landing-page
  cache free of per-request values).
- Styles from Estran's files, and inline styles (Leaflet positions its panes, htmx adds its
  indicator's style, comment tables align their columns): styles cannot run script.
- Images from Estran alone: the base map is drawn from vendored Natural Earth data, no tile server
  (static/js/basemap.js). The institution discovery page adds the federation's logos.
- Requests (fetch, XHR) to Estran, and to the S3 endpoint that upload parts go to (added per
  request from the storage settings).
- object-src 'none', base-uri 'self', frame-ancestors 'none' (no framing: clickjacking).
  No form-action: signing in with ORCID or an institution posts to Estran, which redirects away.
"""

from csp.constants import NONCE, NONE, SELF

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, "'unsafe-inline'"],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
    },
}
