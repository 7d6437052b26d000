"""The toolbox image: static busybox under its public name.

Scenario files and the node agent use it with ``imagePullPolicy: IfNotPresent``: kind pulls it,
the embedded local cluster has it preloaded (no registry is reachable there).
"""

TOOLBOX_IMAGE = "docker.io/library/busybox:1.35"

# The traffic probe's client (gosrc/traffic): a static Go binary, built and loaded by podchaos on
# the local cluster and on kind clusters it creates; no registry has it. Bump the tag when the
# client's behaviour or output changes, so nodes holding the old image get the new one.
TRAFFIC_IMAGE = "podchaos.local/traffic:2"
