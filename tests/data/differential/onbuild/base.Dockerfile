# Pushed by the test (with BuildKit) as the base of ./Dockerfile.
ARG REGISTRY=127.0.0.1:5000
FROM ${REGISTRY}/library/busybox:latest
ENV BASE=1
ONBUILD ENV FROM_TRIGGER=yes
ONBUILD LABEL trigger=$BASE
ONBUILD USER daemon
LABEL base=yes
