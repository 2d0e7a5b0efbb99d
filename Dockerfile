# syntax=docker/dockerfile:1
#
# A static, non-root ownaudit image:
#   docker build --build-arg VERSION=v1.2.3 -t ownaudit:v1.2.3 .
# configs/kubernetes/ runs it; docs/kubernetes.md explains the manifests.
# configs/kubernetes/docker_test.go builds the binary exactly as below and
# checks that it is static.

# Both base images are pinned by digest: a tag can be moved to other
# content, a digest cannot. The digests are those of the multi-platform
# indexes, so every platform still resolves. To move to a newer build of a
# tag, look up its index digest and replace the one here, for instance
#   docker buildx imagetools inspect golang:1.26 --format '{{json .Manifest.Digest}}'
#   crane digest gcr.io/distroless/static-debian12:nonroot
# (Dependabot and Renovate do the same in a pull request.)

# Build on the builder's own platform and cross-compile for the target one
# (pure Go, so no emulation for multi-arch images).
FROM --platform=$BUILDPLATFORM golang:1.26@sha256:3aff6657219a4d9c14e27fb1d8976c49c29fddb70ba835014f477e1c70636647 AS build
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
FROM gcr.io/distroless/static-debian12:nonroot@sha256:afa5c872c891853ca7fcf1f12c3edb23f7eeef36189728842dd51042ff57f7ab
COPY --from=build /out/ownaudit /ownaudit
# Numeric, so Kubernetes' runAsNonRoot can verify it without a passwd lookup.
USER 65532:65532
EXPOSE 9108
ENTRYPOINT ["/ownaudit"]
CMD ["--help"]
