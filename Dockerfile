# syntax=docker/dockerfile:1
# The bot (and, with `command: ["node", "dist/src/proxy/main.js"]`, its REST proxy) on Node 20.

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY commands ./commands
COPY components ./components
RUN npx tsc -p tsconfig.build.json && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# sharp's prebuilt libvips comes with its npm package: no system libraries to add.
COPY --from=build --chown=node:node /app/package.json ./
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
RUN mkdir -p /app/data && chown node:node /app/data
USER node
VOLUME ["/app/data"]
# No `npm start`: its prestart builds from sources the image doesn't carry, and npm would stand
# between the bot and the SIGTERM that stops it gracefully.
CMD ["node", "dist/src/index.js"]
