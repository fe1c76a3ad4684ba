# syntax=docker/dockerfile:1
# keel's image: the `keel` CLI (tracking server, worker, model server, db commands) on Node 20.
#
#   docker build -t keel .
#   docker run -p 5000:5000 -e MLFLOW_AUTH_ADMIN_PASSWORD='a long one' -v keel-data:/var/lib/keel keel
#
# The default command is a single server on SQLite and a local artifact folder under /var/lib/keel,
# with authentication on (it listens on 0.0.0.0, and keel refuses that without authentication).
# For PostgreSQL, S3, Redis and several servers, pass other arguments: see docs/deployment.md and
# deploy/kubernetes/. The image has no Python: python_function models need an image built on this
# one (docs/deployment.md, "Model servers"); keel and ONNX models run in Node.

ARG NODE_IMAGE=node:20-bookworm-slim

# ---------------------------------------------------------------------------------------------
# build: compiles better-sqlite3 (python3, make, g++), installs from the lockfile, builds the
# TypeScript packages and the web UI, then drops the development dependencies.
FROM ${NODE_IMAGE} AS build
RUN apt-get update \
  && apt-get install -y --no-install-recommends python3 make g++ \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# onnxruntime-node's install script downloads CUDA libraries; keel runs ONNX on the CPU, whose
# binaries ship inside the npm package.
ENV ONNXRUNTIME_NODE_INSTALL=skip \
  CI=true
# The manifests first, so that the dependency layer is rebuilt only when they change. Scripts are
# skipped here (the root `prepare` builds, and the sources are not copied yet), then the native
# modules are built explicitly.
COPY package.json package-lock.json .npmrc ./
COPY packages/contracts/package.json packages/contracts/
COPY packages/ml/package.json packages/ml/
COPY packages/monitoring/package.json packages/monitoring/
COPY packages/sdk/package.json packages/sdk/
COPY packages/ui/package.json packages/ui/
COPY packages/server/package.json packages/server/
RUN npm ci --ignore-scripts \
  && npm rebuild better-sqlite3 esbuild
COPY . .
# Then only production dependencies, and of onnxruntime-node's binaries (all platforms, ~290 MB) only
# this one's.
RUN npm run build \
  && npm prune --omit=dev \
  && rm -rf node_modules/@keel/ui \
  && arch="$(node -p process.arch)" \
  && for d in node_modules/onnxruntime-node/bin/napi-v*/*/*; do \
       case "$d" in */linux/"$arch") ;; *) rm -rf "$d" ;; esac; \
     done \
  && node packages/server/bin/keel.js --version

# ---------------------------------------------------------------------------------------------
# runtime: Node, tini (PID 1: forwards signals, reaps what alert actions and Python workers leave),
# the built packages and their production dependencies. No compiler, no npm cache, no sources.
FROM ${NODE_IMAGE} AS runtime
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/* \
  && groupadd --system --gid 10001 keel \
  && useradd --system --uid 10001 --gid keel --home-dir /home/keel --create-home --shell /usr/sbin/nologin keel \
  && mkdir -p /var/lib/keel \
  && chown keel:keel /var/lib/keel
ENV NODE_ENV=production
WORKDIR /opt/keel
# Owned by root and read-only to the keel user: the process cannot change its own code.
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/packages/contracts/package.json packages/contracts/
COPY --from=build /src/packages/contracts/dist packages/contracts/dist
COPY --from=build /src/packages/ml/package.json packages/ml/
COPY --from=build /src/packages/ml/dist packages/ml/dist
COPY --from=build /src/packages/monitoring/package.json packages/monitoring/
COPY --from=build /src/packages/monitoring/dist packages/monitoring/dist
COPY --from=build /src/packages/sdk/package.json packages/sdk/
COPY --from=build /src/packages/sdk/dist packages/sdk/dist
COPY --from=build /src/packages/sdk/python packages/sdk/python
COPY --from=build /src/packages/server/package.json packages/server/
COPY --from=build /src/packages/server/bin packages/server/bin
COPY --from=build /src/packages/server/dist packages/server/dist
RUN ln -s /opt/keel/packages/server/bin/keel.js /usr/local/bin/keel
USER 10001:10001
WORKDIR /var/lib/keel
VOLUME ["/var/lib/keel"]
EXPOSE 5000
# No curl in the slim image: Node asks. /health answers whatever the Host header (probes are exempt
# from the DNS-rebinding check) and without credentials. Change the port here if --port changes.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:5000/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--", "keel"]
CMD ["server", "--host", "0.0.0.0", "--port", "5000", "--app-name", "basic-auth", "--log-format", "json", \
  "--backend-store-uri", "sqlite:////var/lib/keel/keel.db", "--artifacts-destination", "/var/lib/keel/artifacts"]
