# The image every orderscope process of docker-compose.yml runs: the collector, the tracker and the
# pipeline's services. `docker compose build` builds it; `docker run orderscope:local --help` lists
# the commands.
#
# Two stages: the build stage has the dev dependencies and the TypeScript compiler; the runtime stage
# only the production dependencies and dist/.

# Node.js 24, an LTS line supported until April 2028 (20's support ended in April 2026). Its V8
# applies the tracker's events with about a third less CPU than Node.js 20 did (deploy/servers.ts,
# TRACKER_SEMI_SPACE_MIB).
FROM node:24-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: no dependency needs an install script to work (protobufjs' postinstall only
# prints a notice), and none runs where it was not reviewed.
RUN npm ci --ignore-scripts --no-audit --no-fund
# The sources (.dockerignore keeps out dependencies, build output, VCS data and local state).
COPY . .
RUN npm run build

FROM node:24-slim
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/dist ./dist
# Read at run time: the process models, the tracker's SQL migrations, the event schema.
COPY config ./config
COPY tracker/store/migrations ./tracker/store/migrations
COPY events/order-event.schema.json ./events/order-event.schema.json
# The agents spool undelivered events under the working directory (.orderscope/spool/...).
RUN mkdir -p /app/.orderscope && chown node:node /app/.orderscope
USER node
ENTRYPOINT ["node", "dist/cli/main.js"]
CMD ["--help"]
