"""Block Kit builders, one module per surface: plain data in, Slack payloads out, no I/O.

`common` holds what several surfaces share (escaping, sections, times, message previews);
`thread`, `composer`, `approval`, `lookup` and `home` each build one surface. Import from the
surface module, so each name has one home.
"""
