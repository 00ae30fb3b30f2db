# The kube sandbox of compose.yaml: packages/testkit's in-memory Kubernetes API, built from this checkout. Test
# tooling only; the gateway's own image is the root Dockerfile.
# The versions scripts/lib/toolchain.sh installs; the full image has the compilers a dependency's native addon may need.
ARG NODE_VERSION=24.21.0
FROM node:${NODE_VERSION}
ARG PNPM_VERSION=12.21.0
RUN npm install --global --no-audit --no-fund "pnpm@${PNPM_VERSION}"
WORKDIR /src
COPY . .
# The sandbox serves the CRD from k8s/crds at run time. The volume directory belongs to the user the sandbox and the
# worker run as (compose.yaml), and a new volume takes its owner, so the worker can read the kubeconfig (mode 0600).
RUN pnpm install --frozen-lockfile \
  && pnpm exec tsc -b packages/testkit \
  && mkdir -p /var/run/kube-sandbox \
  && chown 10001:10001 /var/run/kube-sandbox
USER 10001:10001
EXPOSE 6443
