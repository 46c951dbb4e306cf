# Shortcuts for developers; the README's two commands do not need make.
.PHONY: run test lint
run:
	python3 scripts/dev.py run
test:
	python3 scripts/dev.py test
lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check .
