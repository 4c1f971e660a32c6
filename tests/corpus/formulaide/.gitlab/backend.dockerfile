# Stand-in written for the runner-ext corpus, not the project's own file
# (see tests/corpus/PROVENANCE.md).
FROM alpine:3.19 AS builder
WORKDIR /home/server
COPY backend.tar server.tar
RUN tar -xf server.tar && mkdir extracted && mv backend-*/* extracted

FROM eclipse-temurin:17-jre-alpine
COPY --from=builder /home/server/extracted /app
ENTRYPOINT ["/app/bin/backend"]
