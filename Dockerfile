# wijkregie container image.
#   docker build -t wijkregie .
#   docker run --rm -p 8080:8080 -e WIJKREGIE_JWT_SECRET=... -v wijkregie-data:/data wijkregie
# Without DATABASE_URL the service keeps a SQLite database in /data; docker-compose.yml runs it
# against PostgreSQL instead.

# ---- build ------------------------------------------------------------------------------
FROM rust:1-bookworm AS builder
WORKDIR /build

# libpq with TLS (the `postgres-tls` feature: pq-sys "bundled", openssl-sys "vendored") and
# SQLite (libsqlite3-sys "bundled") are compiled from source here; that needs perl, make and a
# C compiler, which this image already has. The binary then links none of them dynamically.

# Dependencies first, so that a change under src/ does not rebuild them.
COPY Cargo.toml Cargo.lock ./
RUN mkdir src \
 && echo 'fn main() {}' > src/main.rs \
 && touch src/lib.rs \
 && cargo build --release --locked --features postgres-tls \
 && rm -rf src

COPY . .
# COPY keeps the files' own times, which can be older than the placeholders built above.
RUN touch src/main.rs src/lib.rs \
 && cargo build --release --locked --features postgres-tls \
 && install -m 0755 target/release/wijkregie /usr/local/bin/wijkregie

# ---- run --------------------------------------------------------------------------------
FROM debian:bookworm-slim
# ca-certificates follows Debian's security updates; pinning its version would only freeze it.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 wijkregie \
 && useradd --system --uid 10001 --gid wijkregie --home-dir /data --no-create-home \
      --shell /usr/sbin/nologin wijkregie \
 && mkdir /data \
 && chown wijkregie:wijkregie /data

COPY --from=builder /usr/local/bin/wijkregie /usr/local/bin/wijkregie

ENV WIJKREGIE_BIND=0.0.0.0:8080 \
    DATABASE_URL=/data/wijkregie.db \
    RUST_LOG=info
VOLUME ["/data"]
WORKDIR /data
# Numeric, so that "runAsNonRoot" checks can verify it without reading /etc/passwd.
USER 10001:10001
EXPOSE 8080

# No HEALTHCHECK here: the image has no HTTP client. docker-compose.yml checks
# /health/ready with bash's /dev/tcp.
ENTRYPOINT ["/usr/local/bin/wijkregie"]
CMD ["serve"]
