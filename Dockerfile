# The image that holds only ginit: /ginit, static, nothing else. An app's
# Dockerfile takes it with one line:
#   COPY --from=ginit /ginit /ginit
# Build it from a clone: `make image` (tags ginit:latest and ginit:VERSION),
# or from release binaries: docker build --build-arg BIN=dist/ginit-linux-arm64 .
FROM scratch
ARG BIN=bin/ginit
COPY ${BIN} /ginit
LABEL org.opencontainers.image.title="ginit" \
      org.opencontainers.image.description="tiny init for containers, a drop-in replacement for tini" \
      org.opencontainers.image.licenses="MIT" \
      org.opencontainers.image.source="https://github.com/ginit-dev/ginit"
ENTRYPOINT ["/ginit"]
CMD ["--version"]
