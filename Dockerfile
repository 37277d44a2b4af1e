FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1
WORKDIR /app
COPY pyproject.toml ./
COPY config.py errors.py textfold.py timestamps.py ./
COPY front ./front
COPY actors ./actors
COPY stores ./stores
COPY cache ./cache
COPY seeds ./seeds
RUN pip install --no-cache-dir .
COPY Procfile ./
EXPOSE 8000
CMD ["python", "-m", "front.server"]
