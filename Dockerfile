# syntax=docker/dockerfile:1
# The broker's image; the same image runs mock-esia, mock-journal and the compose setup step with a
# different command (see docker-compose.yml).
#
# Node 24 ("Krypton"): an LTS line, supported until April 2028; oidc-provider asks for a Node LTS of
# 22 or later. Debian bookworm, the Debian the project is built and tested on, whose
# libengine-gost-openssl the `openssl` ESIA signer uses.
ARG NODE_IMAGE=node:24-bookworm-slim

# Build: every dependency, then the TypeScript compiled to dist/.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY adapters adapters
COPY broker broker
COPY config config
COPY core core
COPY fixtures fixtures
COPY gost gost
COPY mock-esia mock-esia
COPY mock-journal mock-journal
COPY scripts scripts
RUN npm run build

# Production dependencies only.
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force

# Runtime: the built JavaScript, production dependencies, OpenSSL with the GOST engine; no compiler,
# no sources, no npm run. Runs as the unprivileged `node` user; the code is owned by root (read-only to it).
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends openssl libengine-gost-openssl \
  && rm -rf /var/lib/apt/lists/* \
  && mkdir -p /var/lib/esia-broker/secrets \
  && chown -R node:node /var/lib/esia-broker
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
WORKDIR /app
COPY package.json ./
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
USER node
EXPOSE 3000
# HEALTH_URL lets the mocks (other ports, no /healthz) reuse this check.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.HEALTH_URL || `http://127.0.0.1:${process.env.PORT || 3000}/healthz`).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
CMD ["node", "--max-semi-space-size=32", "dist/broker/main.js"]
