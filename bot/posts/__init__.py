"""What the app posts to Slack, shared by the listeners (`bot.slack`) and the jobs (`bot.jobs`):
the Block Kit builders, one module per surface (plain data in, Slack payloads out, no I/O),
Slack's errors in words and retry decisions (`errors`), and joining a channel to share a file
in it (`channels`).

The builders:

`common` holds what several surfaces share (escaping, sections, times, message previews);
`thread`, `composer`, `approval`, `lookup` and `home` each build one surface. Import from the
surface module, so each name has one home.
"""
