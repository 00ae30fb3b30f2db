# The kube sandbox of compose.yaml: packages/testkit's in-memory Kubernetes API, built from this checkout. Test
# tooling only; the gateway's own image is the root Dockerfile.
FROM node:24-slim
WORKDIR /src
# The pnpm version scripts/lib/toolchain.sh installs.
RUN npm install --global --no-audit --no-fund pnpm@12.21.0
COPY . .
# The sandbox serves the CRD from k8s/crds; the volume directory belongs to the user the sandbox and the worker run as
# (compose.yaml), so the kubeconfig it writes with mode 0600 is readable by the worker.
RUN pnpm install --frozen-lockfile \
  && pnpm exec tsc -b packages/testkit \
  && mkdir -p /var/run/kube-sandbox \
  && chown 10001:10001 /var/run/kube-sandbox
USER 10001:10001
EXPOSE 6443
