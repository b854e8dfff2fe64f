# mloop's container image: `mloop server` by default; the same image runs `mloop worker`.
#
#   docker build -t mloop .
#   docker run -p 5050:5050 -v mloop-data:/var/lib/mloop mloop
#   docker run mloop worker --redis redis://redis:6379
#
# Settings come from MLOOP_* variables (the README's table); deploy/compose.yaml and the Helm chart
# in deploy/helm/mloop set them for PostgreSQL, Redis and S3-compatible storage.

ARG NODE_IMAGE=node:20-bookworm-slim

# Build: compile the server and the dashboard, then keep only production dependencies.
FROM ${NODE_IMAGE} AS build
# better-sqlite3 compiles from source where no prebuilt binary matches. The toolchain's versions
# are left to the base image's Debian release (NODE_IMAGE, which a build may change): exact
# package pins would break on any other release and on each point release, and nothing of it
# reaches the runtime image, so DL3008 (pin apt versions) buys nothing here.
# hadolint ignore=DL3008
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The npm that honours package.json's allowScripts (install scripts run only where allowed).
RUN npm install -g npm@11.19.1 --no-audit --no-fund
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY ui ./ui
RUN npm run build --silent \
  && npm prune --omit=dev --no-audit --no-fund \
  && find dist -name '*.map' -delete

# Runtime: Node, the build, the dashboard and production dependencies; no compiler, no sources.
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
  MLOOP_HOME=/var/lib/mloop \
  MLOOP_HOST=0.0.0.0 \
  MLOOP_PORT=5050
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY --from=build /src/ui/dist ./ui/dist
COPY README.md LICENSE ./
RUN chmod +x dist/cli/main.js \
  && ln -s /app/dist/cli/main.js /usr/local/bin/mloop \
  && groupadd --system --gid 10001 mloop \
  && useradd --system --uid 10001 --gid mloop --home-dir /var/lib/mloop mloop \
  && mkdir -p /var/lib/mloop \
  && chown mloop:mloop /var/lib/mloop
USER 10001:10001
VOLUME /var/lib/mloop
EXPOSE 5050
# Node's own fetch: the slim image has no curl. /health answers once the server listens.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.MLOOP_PORT||5050)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
ENTRYPOINT ["mloop"]
CMD ["server"]
