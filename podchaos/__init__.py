"""podchaos: pod-lifecycle chaos for pytest on real Kubernetes."""

__version__ = "0.1.0"
