"""Charts (`/viber chart`): a period's figures read from the store, drawn as one picture people
read at a glance."""
