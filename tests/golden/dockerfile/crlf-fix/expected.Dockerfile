FROM node:20.11-bookworm-slim
WORKDIR /app
# Dependency manifests first: the restore below stays cached until they change.
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build
