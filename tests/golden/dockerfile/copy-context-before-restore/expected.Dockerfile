FROM node:20.11-bookworm-slim
WORKDIR /usr/src/app
# Dependency manifests first: the restore below stays cached until they change.
COPY --chown=node:node package.json package-lock.json .npmrc ./
# install exactly what the lock file says
RUN npm ci --omit=dev
# everything the app needs
COPY --chown=node:node . .
EXPOSE 3000
RUN npm run build
USER node
CMD ["node", "dist/index.js"]
