# syntax=docker/dockerfile:1
# Souk production image: one image for every process (web, Celery worker, Celery beat,
# migrations); the command picks the role. See docs/deploy.md.
#
#   docker build -t souk .
#   docker run --env-file souk.env -p 8000:8000 souk               # web (granian)
#   docker run --env-file souk.env souk python manage.py migrate --noinput
#   docker run --env-file souk.env --no-healthcheck souk celery -A config worker -Q send

# --- builder: the dependencies, in a virtualenv copied whole into the final stage -------------
FROM python:3.11-slim AS builder

ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH

WORKDIR /build
# pyproject.toml alone, so this layer is rebuilt only when the dependencies change.
# `[tool.setuptools] packages = []`: installing the project installs its dependencies and no
# code; the code is copied to /app below. Every dependency ships manylinux wheels for
# CPython 3.11 (psycopg[binary] bundles libpq, Pillow its codecs), so no compiler is needed.
COPY pyproject.toml ./
RUN pip install --upgrade pip \
    && pip install .

# --- assets: front-end packages from npm (Chart.js), exactly as package-lock.json pins them ---
FROM node:20-slim AS assets
WORKDIR /assets
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund

# --- runtime ------------------------------------------------------------------------------------
FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/venv/bin:$PATH \
    DJANGO_SETTINGS_MODULE=config.settings \
    MEDIA_ROOT=/app/media

# A fixed uid/gid so a media volume or bind mount can be given to it on the host.
RUN groupadd --system --gid 10001 souk \
    && useradd --system --uid 10001 --gid souk --home-dir /app --no-create-home \
        --shell /usr/sbin/nologin souk

COPY --from=builder /opt/venv /opt/venv

WORKDIR /app
# The code stays owned by root, so the app user can read it but not change it.
COPY . /app
# What settings.STATICFILES_DIRS serves as /static/vendor/chart.js/ (collected below).
COPY --from=assets /assets/node_modules/chart.js/dist /app/node_modules/chart.js/dist

# Static files are collected (and compressed, fingerprinted by WhiteNoise) into the image, and
# the .po translations compiled to the .mo Django reads (Babel; they are not in git).
# Settings refuse to load without SECRET_KEY and FIELD_ENCRYPTION_KEY when DEBUG is off:
# throwaway values are given to this one command only; nothing here ends up in the image's
# environment, and collectstatic touches neither the database nor the cache. (The key is a
# well-formed Fernet key of 32 zero bytes, so it stays valid if settings ever check the format.)
RUN SECRET_KEY=collectstatic-build-only-not-a-secret \
    FIELD_ENCRYPTION_KEY=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA= \
    python manage.py collectstatic --noinput --verbosity 0 \
    && python -m config.locale_compile \
    && python -m compileall -q /app \
    && mkdir -p /app/media \
    && chown souk:souk /app/media

USER souk

# Uploaded product images and their thumbnails (MEDIA_ROOT). Share it between web and workers
# (thumbnails are cut by a Celery task), or move media to object storage (docs/deploy.md).
VOLUME ["/app/media"]

EXPOSE 8000

# /healthz answers 200 when the database and the cache answer, 503 naming what does not.
# http.client rather than urllib.request: a redirect (SECURE_SSL_REDIRECT) must count as a
# failure, not be followed to the public host. The Host header is the first ALLOWED_HOSTS
# entry so Django accepts it; X-Forwarded-Proto says the probe is "https" (honoured only
# with TRUST_X_FORWARDED_PROTO=1, as behind the TLS proxy).
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import http.client, os, sys; host = (os.environ.get('ALLOWED_HOSTS') or 'localhost').split(',')[0].strip().lstrip('.').replace('*', '') or 'localhost'; conn = http.client.HTTPConnection('127.0.0.1', int(os.environ.get('PORT') or 8000), timeout=4); conn.request('GET', '/healthz', headers={'Host': host, 'X-Forwarded-Proto': 'https'}); sys.exit(0 if conn.getresponse().status == 200 else 1)"]

CMD ["python", "-m", "config.web"]
