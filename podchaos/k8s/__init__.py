"""The only package that talks to Kubernetes: client calls, watches, and translation to podchaos models."""
