"""What podchaos adds to kind's base image so that its nodes leave this host as they found it and
come up without a registry: the text of the scripts and systemd units.

- ``/usr/local/bin/podchaos-entrypoint`` runs before kind's entrypoint: it shows systemd a
  ``/proc/cgroups`` that lists only the cgroup v1 controllers the host has mounted. systemd mounts every
  listed controller that has no hierarchy, and on cgroup v1 such a mount is a new hierarchy for the
  whole machine, not only for the node. It also keeps systemd in legacy cgroup mode: in hybrid mode it
  mounts cgroup2 with ``nsdelegate``, which changes that option of the host's cgroup2 mount (seen here).
- ``systemd-sysctl`` is masked: the image's sysctl files would raise global limits such as
  ``kernel.pid_max`` on the host.
- ``podchaos-images.service`` imports ``/kind/images/*.tar`` into the node's containerd before the
  kubelet starts (no registry is reachable).
- ``podchaos-cni.service`` writes the node's CNI configuration and its routes: pods of node
  ``<net>.N`` get ``10.244.N.0/24`` (ptp + host-local, as kindnet does), and each other node's pod
  range is routed to that node. Nodes get no default route, so nothing in a node reaches an address
  off its own network.
"""

from __future__ import annotations

# kind's default podSubnet: node N of the kind network gets 10.244.N.0/24.
POD_NETWORK_PREFIX = "10.244"

ENTRYPOINT = r"""#!/bin/sh
# podchaos, on a cgroup v1 host: show systemd only the cgroup v1 controllers the host has mounted
# (hierarchy != 0), so it mounts none as a new hierarchy of the whole machine (kind's
# undo-mount-hacks.service removes this mount once systemd runs); and keep systemd from mounting the
# cgroup2 hierarchy, since mounting it sets its options (nsdelegate) for the whole machine. Then
# kind's entrypoint.
set -e
if [ ! -f /sys/fs/cgroup/cgroup.controllers ]; then
  awk 'NR == 1 || $2 != 0' /proc/cgroups > /run/podchaos-cgroups
  mount --bind /run/podchaos-cgroups /proc/cgroups
  export SYSTEMD_PROC_CMDLINE="systemd.unified_cgroup_hierarchy=0 systemd.legacy_systemd_cgroup_controller=1"
fi
exec "$@"
"""

IMAGES_SERVICE = """[Unit]
Description=podchaos: import the node's preloaded images
After=containerd.service
Requires=containerd.service
Before=kubelet.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/bin/sh -ec 'for i in $(seq 60); do ctr version >/dev/null 2>&1 && break; sleep 0.5; done; \
for archive in /kind/images/*.tar; do ctr -n k8s.io images import --no-unpack "$archive"; done'

[Install]
WantedBy=multi-user.target
"""

CNI_SCRIPT = rf"""#!/bin/sh
# podchaos: this node's pod network (ptp + host-local) and routes to the other nodes' pod ranges.
set -eu
address=$(ip -4 -o addr show dev eth0 | awk '{{split($4, a, "/"); print a[1]}}')
prefix=${{address%.*}}
self=${{address##*.}}
mkdir -p /etc/cni/net.d
cat > /etc/cni/net.d/10-podchaos.conflist <<CONF
{{
  "cniVersion": "1.0.0",
  "name": "podchaos",
  "plugins": [
    {{
      "type": "ptp",
      "ipMasq": false,
      "ipam": {{
        "type": "host-local",
        "dataDir": "/run/cni-ipam-state",
        "routes": [{{"dst": "0.0.0.0/0"}}],
        "ranges": [[{{"subnet": "{POD_NETWORK_PREFIX}.$self.0/24"}}]]
      }},
      "mtu": 1500
    }},
    {{"type": "portmap", "capabilities": {{"portMappings": true}}}}
  ]
}}
CONF
echo 1 > /proc/sys/net/ipv4/ip_forward
n=2
while [ $n -le 254 ]; do
  if [ $n -ne "$self" ]; then
    ip route replace {POD_NETWORK_PREFIX}.$n.0/24 via $prefix.$n dev eth0 onlink
  fi
  n=$((n + 1))
done
"""

CNI_SERVICE = """[Unit]
Description=podchaos: the node's pod network and routes
Before=kubelet.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/bin/podchaos-cni

[Install]
WantedBy=multi-user.target
"""

KUBELET_DROP_IN = """[Unit]
# podchaos: the images are imported and the pod network configured before the kubelet runs.
Wants=podchaos-images.service podchaos-cni.service
After=podchaos-images.service podchaos-cni.service
"""

# kind applies this instead of kindnet's manifest (kindnetd's sources are no longer in the kind
# module): the pod network is configured by podchaos-cni.service on every node.
CNI_MANIFEST = """apiVersion: v1
kind: ConfigMap
metadata:
  name: podchaos-cni
  namespace: kube-system
data:
  about: >-
    Pod network of kind nodes built by podchaos: ptp + host-local per node (10.244.N.0/24 for the
    node at address .N), routes to the other nodes' ranges, written by podchaos-cni.service.
"""
