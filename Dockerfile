# Production image: the NHS.UK front end is built with Node, the app runs on Python 3.11.
FROM node:20-bookworm-slim AS frontend
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY scripts ./scripts
COPY static ./static
RUN npm run build

FROM python:3.11-slim-bookworm
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1
WORKDIR /app
RUN useradd --create-home --uid 1000 app
COPY pyproject.toml README.md ./
COPY mentoring ./mentoring
COPY accounts ./accounts
COPY register ./register
COPY requests_app ./requests_app
RUN pip install --no-cache-dir .
COPY . .
COPY --from=frontend /app/static/dist ./static/dist
RUN SECRET_KEY=collectstatic-only scripts/serve collectstatic \
    && mkdir -p /app/var/media && chown -R app:app /app/var
USER app
EXPOSE 8000
# One image for every role: scripts/serve web | worker | beat | migrate.
CMD ["scripts/serve", "web"]
