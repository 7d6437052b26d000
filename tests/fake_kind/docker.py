"""A fake ``docker`` that stands in for a Docker engine that answers (users' CI, GitHub's runners):
``docker info`` succeeds, so podchaos runs kind as it is, with Docker; everything else fails, so an
image check through ``docker exec`` reads as "the node lacks it", as with no engine at all."""

import sys

if sys.argv[1:2] == ["info"]:
    print("Server Version: fake")
    sys.exit(0)
print(f"fake docker: only `docker info` answers, not {' '.join(sys.argv[1:])}", file=sys.stderr)
sys.exit(1)
