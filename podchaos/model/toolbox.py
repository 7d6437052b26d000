"""The toolbox image: static busybox under its public name.

Scenario files and the node agent use it with ``imagePullPolicy: IfNotPresent``: kind pulls it,
the embedded local cluster has it preloaded (no registry is reachable there).
"""

TOOLBOX_IMAGE = "docker.io/library/busybox:1.35"
