# syntax=docker/dockerfile:1
#
# A static, non-root ownaudit image:
#   docker build --build-arg VERSION=v1.2.3 -t ownaudit:v1.2.3 .
# configs/kubernetes/ runs it; docs/kubernetes.md explains the manifests.
# configs/kubernetes/docker_test.go builds the binary exactly as below and
# checks that it is static.

# Build on the builder's own platform and cross-compile for the target one
# (pure Go, so no emulation for multi-arch images).
FROM --platform=$BUILDPLATFORM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# VERSION ends up in `ownaudit version` and ownaudit_build_info; left empty,
# the binary reports "dev".
ARG VERSION=""
ARG TARGETOS
ARG TARGETARCH
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOOS=$TARGETOS GOARCH=$TARGETARCH \
    go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/ownaudit ./cmd/ownaudit

# distroless static: CA certificates and tzdata for the HTTPS calls to the
# clouds, a nonroot user, no shell, no package manager.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ownaudit /ownaudit
# Numeric, so Kubernetes' runAsNonRoot can verify it without a passwd lookup.
USER 65532:65532
EXPOSE 9108
ENTRYPOINT ["/ownaudit"]
CMD ["--help"]
