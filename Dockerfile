# syntax=docker/dockerfile:1
# The samspill binary in a slim image. Build: docker build -t samspill .
# Run (see docker-compose.yml for PostgreSQL next to it):
#   docker run -e DATABASE_URL=postgres://... -e SAMSPILL_JWT_SECRET=... -p 8080:8080 samspill

FROM rust:1-bookworm AS builder
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# The whole workspace: cargo resolves every member (tests/ included) even for `-p samspill`, and
# the migrations are compiled into the binary.
COPY Cargo.toml Cargo.lock ./
COPY domain domain
COPY persistence persistence
COPY api api
COPY tests tests
COPY migrations migrations
# The crate registry and target/ are BuildKit cache mounts, so a rebuild after a source change
# does not compile the dependencies again. The binary is copied out of the cached target/.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked -p samspill \
 && install -m 0755 target/release/samspill /usr/local/bin/samspill

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpq5 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 samspill \
 && useradd --system --uid 10001 --gid samspill --home-dir /nonexistent --no-create-home \
      --shell /usr/sbin/nologin samspill
COPY --from=builder /usr/local/bin/samspill /usr/local/bin/samspill
USER samspill:samspill
ENV SAMSPILL_BIND=0.0.0.0:8080
EXPOSE 8080
ENTRYPOINT ["samspill"]
CMD ["serve"]
