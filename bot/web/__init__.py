"""The web entry: the routes (wsgi), the wiring of the long-lived pieces (runtime), serving
them with gunicorn, in Socket Mode or as a worker (serving)."""
