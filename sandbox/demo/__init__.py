"""`viber-bot demo`: the real app on one machine against loopback stand-ins for Slack and eSMS,
shown on a local web page that is a small Slack (the channel, its threads, the modals, the
ephemeral answers and the Home tab), rendered on the server from the app's own Block Kit."""
