"""The analysts' web view: each claim's picture and timeline, the evidence, feeds, alerts, silences and the
rules folder, as HTML pages and a JSON API (Starlette, server-side Jinja2 templates, no script at all).

    app.py          builds the ASGI app from explicit collaborators (config, engine, clock)
    views/          one module per page: its routes, HTML and JSON from the same storage/ queries
    timeline.py     the claim timeline as SVG, pure
    render.py       the templates' environment and filters (escaping, safe links, highlighting)
    security.py     CSP and other headers, CSRF, authentication
    rules_folder.py the rules as the pages read them
    serve.py        uvicorn on a socket we bind: in the foreground or beside the daemon
"""
