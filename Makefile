# The two commands a newcomer needs: `make demo` and `make test`. Each creates .venv and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

# Tests whose outcome depends on dates and hours; `make test` runs them again under a wall clock shifted to the night
# Berlin's clocks go forward in 2027 (libfaketime), so a test or builder that reads the real date fails here, not in
# some later month.
DATED_TESTS := tests/policies tests/e2e/test_flows.py tests/e2e/test_oncall_alerts.py \
	tests/e2e/test_waiting_and_morning.py tests/e2e/test_webhook_contract.py tests/e2e/test_slack.py \
	tests/test_privacy.py tests/test_metrics.py tests/integrations/test_licences.py tests/e2e/test_refund_approvals.py \
	tests/e2e/test_dispute_answers.py tests/e2e/test_paypal_buyers.py tests/e2e/test_monday_chart.py \
	tests/test_tone_retrain.py
SHIFTED_CLOCK := 2027-03-28 00:58:00
# Most tests wait on sockets (a fake provider, the database, Slack's pace), so three workers keep two cores busy;
# `make test PYTEST_WORKERS=` runs them one by one.
PYTEST_WORKERS ?= -n 3

.PHONY: demo test test-shifted lint format bench install clean

demo: $(STAMP)
	$(BIN)/supportbot demo

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest $(PYTEST_WORKERS)
	$(MAKE) --no-print-directory test-shifted

test-shifted: $(STAMP)
	@command -v faketime >/dev/null || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null \
		&& apt-get install -y -qq faketime >/dev/null; } || { echo "make test-shifted needs faketime (apt-get install faketime)"; exit 1; }
	TZ=UTC faketime '$(SHIFTED_CLOCK)' $(BIN)/python -m pytest -q $(PYTEST_WORKERS) $(DATED_TESTS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff format .

# The last two are a launch ten times bigger (issue 18), baselines included: about two minutes each.
bench: $(STAMP)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/apply.py
	$(BIN)/python bench/burst.py
	$(BIN)/python bench/replicas.py
	$(BIN)/python bench/actions.py
	$(BIN)/python bench/burst.py --sales 10000 --duration 60 --max-seconds 300
	$(BIN)/python bench/replicas.py --sales 10000 --duration 60 --max-seconds 300

install: $(STAMP)

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "supportbot needs Python 3.11 or newer")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint constraints.txt --editable '.[dev]'
	rm -f $(VENV)/.installed-* && touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
