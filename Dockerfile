# Multi-stage image of audio-ident on Debian bookworm (12.11, pinned).
# Build stage: compiles the release binary. Runtime stage: the shared libraries
# it links, curl + ca-certificates (health check, HTTPS to Qdrant), the web UI,
# a non-root user.
#
# Build argument GIT_SHA: the commit the binary reports in /api/v1/version
# (.git is not in the build context; `make docker-up` passes it).

FROM debian:12.11-slim AS build
ARG GIT_SHA=unknown
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends build-essential pkg-config ca-certificates \
      libavformat-dev libavcodec-dev libswresample-dev libavutil-dev libmagic-dev liblmdb-dev \
      libsqlite3-dev libpq-dev libcurl4-openssl-dev libmicrohttpd-dev libfftw3-dev libjansson-dev \
      libssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN printf '%s\n' "$GIT_SHA" | grep -Eqx 'unknown|[0-9a-f]{7,40}' \
      || { echo "GIT_SHA must be a commit hash or 'unknown'" >&2; exit 1; } \
 && make -j"$(nproc)" bin GIT_SHA="$GIT_SHA"

FROM debian:12.11-slim AS runtime
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends ca-certificates curl \
      libavformat59 libavcodec59 libswresample4 libavutil57 libmagic1 libmagic-mgc liblmdb0 \
      libsqlite3-0 libpq5 libcurl4 libmicrohttpd12 libfftw3-single3 libjansson4 libssl3 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin audioident \
 && mkdir -p /data /app /music \
 && chown audioident:audioident /data
COPY --from=build /src/build/release/audio-ident /usr/local/bin/audio-ident
COPY --from=build /src/web /app/web
WORKDIR /app
USER audioident
# INGEST_ROOT: compose mounts the music directory read-only at /music
ENV DATA_DIR=/data HOST=0.0.0.0 PORT=17010 INGEST_ROOT=/music
VOLUME ["/data"]
EXPOSE 17010
# shell form, so the check follows a PORT set at `docker run -e PORT=…`
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${PORT}/health" || exit 1
ENTRYPOINT ["audio-ident"]
CMD ["serve"]
