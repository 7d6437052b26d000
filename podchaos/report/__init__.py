"""Report: turn run results into something people and machines read."""
