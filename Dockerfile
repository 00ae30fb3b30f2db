# syntax=docker/dockerfile:1
# One image for both apps: `node apps/ingress/dist/main.js` (the default) and `node apps/worker/dist/main.js`,
# the commands k8s/base runs. docs/container-image.md describes it; tests/deploy/image.int.test.ts runs this file's
# `pnpm deploy` steps and starts both apps from their output, because development machines have no container engine.

# The versions scripts/lib/toolchain.sh installs for development; the image test keeps them equal.
ARG NODE_VERSION=24.21.0
ARG PNPM_VERSION=12.21.0

# The build and runtime tags name the same Debian release, so the native addon a dependency builds or downloads here
# (msgpackr-extract) links against the glibc the runtime has. No --platform=$BUILDPLATFORM: each target
# architecture builds its own native addons.
FROM node:${NODE_VERSION} AS build
ARG PNPM_VERSION
RUN npm install --global --no-audit --no-fund "pnpm@${PNPM_VERSION}"
WORKDIR /src
# The store is filled from the lockfile alone, so this layer survives every change that leaves the lockfile alone.
COPY pnpm-lock.yaml pnpm-workspace.yaml ./
RUN pnpm fetch
COPY . .
RUN pnpm install --frozen-lockfile --offline
RUN pnpm build
# Each deploy is a standalone project: the app's build output, its production dependencies and the workspace
# packages it uses, packed by their `files` (dist only), in its own node_modules. A deploy writes a lockfile of its
# own, for which pnpm reads full package metadata that `pnpm fetch` does not keep: that comes from the registry,
# the packages themselves from the store.
RUN pnpm deploy --prod --prefer-offline --filter @gateway/ingress /out/apps/ingress \
 && pnpm deploy --prod --prefer-offline --filter @gateway/worker /out/apps/worker \
 && chmod -R u=rwX,go=rX /out

FROM node:${NODE_VERSION}-slim AS runtime
ARG NODE_VERSION
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
ARG SOURCE=unknown
LABEL org.opencontainers.image.title="signal-gateway" \
      org.opencontainers.image.description="Signal Gateway: ingress (default command) and worker (node apps/worker/dist/main.js)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.base.name="node:${NODE_VERSION}-slim"
# The apps need node only; npm, npx, corepack and yarn are packages a scanner would report and nothing runs.
RUN rm -rf /usr/local/lib/node_modules /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
      /usr/local/bin/yarn /usr/local/bin/yarnpkg /opt/yarn-*
WORKDIR /app
# Owned by root and read-only for everyone else: the app cannot change its own code, and any UID (OpenShift's random
# one, always in group 0) can read it.
COPY --from=build /out /app
USER 10001:0
EXPOSE 8080 9091
ENTRYPOINT ["node"]
CMD ["apps/ingress/dist/main.js"]
