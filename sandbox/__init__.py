"""The app's sandbox, beside it and never imported by it: loopback stand-ins for Slack's Web
API, Socket Mode and eSMS (`sandbox.standins`), the local demo that plays Slack on a page
(`sandbox.demo`), and the launcher that runs the real app against the stand-ins
(`sandbox.launch`), shared by the demo, the end-to-end tests and the benchmarks."""
