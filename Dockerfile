# docker build -t sentiment .                      # serves the bundled model
# docker build --build-arg STRUCTBERT_MODEL=damo/nlp_structbert_sentiment-classification_chinese-base -t sentiment .
#                                                   # bakes StructBERT's weights into the image (needs internet)
FROM python:3.11-slim

# torch==2.13.0 from PyTorch's CPU index: the default index would pull a multi-GB CUDA build.
ARG TORCH_INDEX=https://download.pytorch.org/whl/cpu
ARG STRUCTBERT_MODEL=""

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    HOST=0.0.0.0 \
    PORT=7860 \
    MODELSCOPE_CACHE=/app/.modelscope

RUN useradd --create-home --uid 10001 app
WORKDIR /app
RUN chown app:app /app  # the user writes the ModelScope cache under /app/.modelscope
COPY requirements.txt .
RUN pip install --no-cache-dir --extra-index-url "${TORCH_INDEX}" -r requirements.txt
COPY --chown=app:app . .
USER app
RUN if [ -n "${STRUCTBERT_MODEL}" ]; then python -m sentiment download "${STRUCTBERT_MODEL}"; fi

EXPOSE 7860
HEALTHCHECK --interval=30s --timeout=5s --start-period=180s --retries=3 \
  CMD python -c "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:7860/ready', timeout=4).status != 200)"
CMD ["gunicorn", "-c", "gunicorn.conf.py", "app:app"]
