# The image that holds only ginit: /ginit, static, nothing else. An app's
# Dockerfile takes it with one line:
#   COPY --from=ginit /ginit /ginit
# Build it from a clone: `make image` (tags ginit:latest and ginit:VERSION),
# or one per architecture from make release's binaries: `make images`
# (ginit:VERSION-ARCH). The context holds the binary at bin/ginit.
# COPY comes first, with no ARG before it: Docker's builder without buildx
# stamps every step it commits with the machine's own architecture, and a
# COPY onto such a step fails for any other --platform.
FROM scratch
COPY bin/ginit /ginit
LABEL org.opencontainers.image.title="ginit" \
      org.opencontainers.image.description="tiny init for containers, a drop-in replacement for tini" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/ginit-dev/ginit"
ENTRYPOINT ["/ginit"]
CMD ["--version"]
