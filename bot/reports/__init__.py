"""Reports: a period's figures read from the store, drawn as a chart people read at a glance."""
