"""The Grafana dashboard podchaos ships (package data, read by podchaos.report.dashboard)."""
