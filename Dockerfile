# syntax=docker/dockerfile:1
#
# lumobot: one static binary on distroless, non-root, read-only root works.
#   docker build --build-arg VERSION=$(git describe --tags --always) \
#                --build-arg COMMIT=$(git rev-parse HEAD) -t lumobot .
# See deploy/README.md for running it.

ARG GO_VERSION=1.26

FROM --platform=$BUILDPLATFORM golang:${GO_VERSION} AS build
ARG TARGETOS
ARG TARGETARCH
ARG VERSION=dev
ARG COMMIT=unknown
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# timetzdata embeds the zoneinfo in the binary as a fallback; distroless
# static also ships /usr/share/zoneinfo and CA certificates.
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} \
    go build -trimpath -buildvcs=false -tags timetzdata \
      -ldflags "-s -w -X main.version=${VERSION} -X main.commit=${COMMIT}" \
      -o /lumobot ./cmd/lumobot \
 && mkdir -p /out/data

FROM gcr.io/distroless/static-debian12:nonroot
ARG VERSION=dev
ARG COMMIT=unknown
LABEL org.opencontainers.image.title="lumobot" \
      org.opencontainers.image.description="Posts LUMO's news, announcements and event reminders (#LUMOhanke)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}"
COPY --from=build /lumobot /lumobot
# /data is owned by nonroot (65532) so that a fresh named volume is writable.
COPY --from=build --chown=65532:65532 /out/data /data
USER nonroot:nonroot
VOLUME /data
# No LUMOBOT_HTTP_LISTEN here: an environment value would override
# http.listen in the config, so `listen: ""` could not turn the server off.
# The default is :8080 already.
ENV LUMOBOT_STATE=/data/lumobot.db \
    LUMOBOT_CONFIG=/etc/lumobot/lumobot.yaml
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["/lumobot", "healthcheck"]
ENTRYPOINT ["/lumobot"]
CMD ["run"]
