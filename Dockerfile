# The gateway as a container: built with the Swift toolchain, run on Debian slim with the
# C libraries it links (libpq, libcurl, libargon2) and CA certificates, as a non-root user.
#   docker build -t bot-gateway .      (or: podman build -t bot-gateway .)
#   docker run -e DATABASE_URL=… -e SECRET_KEY=… -p 8000:8000 bot-gateway
# The layout (paths, user, entry point, health check) is what scripts/deploy-check builds
# and runs in CI from Debian's packages, since no registry is reachable there.

# The toolchain the test command runs with (Swift 6.3).
FROM swift:6.3-bookworm AS build
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq-dev libcurl4-openssl-dev libssl-dev libargon2-dev \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so a source change does not refetch them.
COPY Package.swift ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product gateway --static-swift-stdlib \
    && install -D "$(swift build -c release --show-bin-path)/gateway" /out/gateway

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends libpq5 libcurl4 libargon2-1 ca-certificates curl \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --no-create-home --home-dir /app gateway
COPY --from=build /out/gateway /usr/local/bin/gateway
COPY migrations /app/migrations
WORKDIR /app
ENV HOST=0.0.0.0 \
    PORT=8000 \
    MIGRATIONS_DIR=/app/migrations \
    LOG_FORMAT=json \
    SHUTDOWN_DRAIN_SECONDS=5
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD curl -fsS "http://127.0.0.1:${PORT}/live" > /dev/null || exit 1
STOPSIGNAL SIGTERM
ENTRYPOINT ["gateway"]
CMD ["serve"]
