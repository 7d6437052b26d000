"""The pytest layer: the plugin (entry point ``pytest11: podchaos``), scenario collection, fixtures,
reporting, options, hook specs, and the session's cluster. Nothing below this package imports pytest."""
