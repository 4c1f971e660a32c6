FROM python:3.12-slim AS deps
WORKDIR /app
# Dependency manifests first: the restore below stays cached until they change.
COPY requirements.txt ./
COPY requirements/base.txt ./requirements/
RUN pip install --no-cache-dir -r requirements.txt
COPY . .
CMD ["python", "-m", "app"]

FROM python:3.12-slim
WORKDIR /srv
# Dependency manifests first: the restore below stays cached until they change.
COPY pyproject.toml poetry.lock ./
RUN poetry install --no-interaction --only main --no-root
COPY . .
RUN poetry install --no-interaction --only main && poetry run pytest -q
