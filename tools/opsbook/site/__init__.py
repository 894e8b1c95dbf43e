"""The published handbook: a MkDocs plugin (`plugin.py`) over plain page builders.

`pages.generate` turns a validated handbook into generated Markdown pages, `decorate` adds metadata
and cross-links to runbook and post-mortem pages, `layout` says where each page's source lives, and
`build.build_site` runs MkDocs for `ops build`.
"""
