"""``startifact serve``: the staged projects as a Python package index (the Simple Repository
API, PEP 503 HTML and PEP 691 JSON) for pip and uv, read with the Read grant alone.

`catalogue` finds what a project page lists (through the reading layer), `pages` renders it,
`files` streams files verified against their SHA-256 with failover between regions, and `app`
is the HTTP server (the standard library's threading server) with its authentication.
"""
