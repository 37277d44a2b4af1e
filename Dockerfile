FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
# npm installs the data package the demo seed reads (seeds/vega/package.json: vega-datasets 3.2.1) and the
# documentation pages' Swagger UI and ReDoc (front/docsui/package.json), which the server serves itself
RUN apt-get update && apt-get install -y --no-install-recommends nodejs npm && rm -rf /var/lib/apt/lists/*
COPY pyproject.toml ./
COPY config.py errors.py textfold.py timestamps.py ./
COPY front ./front
COPY actors ./actors
COPY stores ./stores
COPY cache ./cache
COPY seeds ./seeds
RUN cd seeds/vega && npm install --no-audit --no-fund --no-package-lock --ignore-scripts --loglevel=error
# Only the two packages the pages load from are kept (ReDoc's standalone bundle carries its dependencies).
RUN cd front/docsui && npm install --no-audit --no-fund --no-package-lock --ignore-scripts --legacy-peer-deps \
        --loglevel=error && \
    find node_modules -mindepth 1 -maxdepth 1 ! -name swagger-ui-dist ! -name redoc -exec rm -rf {} +
RUN pip install --no-cache-dir .
COPY Procfile ./
EXPOSE 8000
CMD ["python", "-m", "front.server"]
