# The base image of the onbuild_from case: its trigger copies from a stage named `assets` of the
# Dockerfile that builds on it.
ARG REGISTRY=127.0.0.1:5000
FROM ${REGISTRY}/library/busybox:latest
ONBUILD COPY --from=assets /a.txt /from-image-trigger.txt
