"""Durable work: the runner (leases with heartbeats, backoff), one policy per job kind, the
tasks themselves, and the periodic duties (reconciliation with eSMS, approval expiry)."""
