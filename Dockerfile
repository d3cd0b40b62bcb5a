# Build: cgo for DuckDB and PostgreSQL's parser.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=1 make build

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* && useradd --system --home /var/lib/duckstore duckstore
COPY --from=build /src/bin/duckstore /usr/local/bin/duckstore
USER duckstore
WORKDIR /var/lib/duckstore
VOLUME /var/lib/duckstore/data
EXPOSE 5432 8080
ENV DUCKSTORE_PG_ADDR=0.0.0.0:5432 DUCKSTORE_HTTP_ADDR=0.0.0.0:8080 DUCKSTORE_DATA_DIR=/var/lib/duckstore/data
ENTRYPOINT ["duckstore", "serve"]
