"""``startifact serve``: the staged projects as a Python package index (the Simple Repository
API, PEP 503 HTML and PEP 691 JSON) for pip and uv, read with the Read grant alone.

`catalogue` finds what a project page lists (through the reading layer), `pages` renders it,
`files` streams files verified against their SHA-256 with failover between regions, `index`
decides what each request is answered (routes, negotiation, caching headers, authentication),
and `app` is the HTTP server around it (the standard library's threading server).
"""
