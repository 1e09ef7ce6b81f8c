# Tests (included by the top-level Makefile).  tests/run.sh does the work and prints
# "N passed, M failed"; tests/lib.sh documents the emulator-test helpers.
#   make test [T=filter] [J=n]   unit tests, image checks, then emulator tests, J at a time
#                          (default one per CPU; J=1 one after another)
#   make check             the edit loop's set: unit tests, image checks and the emulator
#                          tests marked "# check:" (tests/run.sh --help)
#   make test-unit         host C tests in tests/unit (// sources: line names what to link)
#   make test-emu          emulator tests (tests/test_*.sh) only
#   make test-boot         emulator tests whose name contains "boot"
#   make check-layers      lib, core and the backends include and name only what their layer may
#   make check-cycles      no loop of calls among stage3/core's files (from the objects' symbols)

T ?=
J ?=
TEST_ENV = MAKE="$(MAKE)" BUILD="$(BUILD)" HOSTCC="$(HOSTCC)" $(if $(J),J="$(J)")

# On a fresh machine the packages come first (scripts/deps.sh installs them as root).
test:
	@scripts/deps.sh
	@$(TEST_ENV) tests/run.sh $(T)

check:
	@$(TEST_ENV) tests/run.sh --check $(T)

test-unit:
	@$(TEST_ENV) tests/run.sh --unit $(T)

test-emu:
	@$(TEST_ENV) tests/run.sh --emu $(T)

test-boot:
	@$(TEST_ENV) tests/run.sh --emu boot

# The layers of stage 3 stay apart (scripts/check-layers.sh, docs/architecture.md).
check-layers:
	@bash scripts/check-layers.sh

# No loop of calls among the core's files (scripts/check-cycles.sh), on the built objects.
check-cycles: all
	@bash scripts/check-cycles.sh

.PHONY: check-cycles test check test-unit test-emu test-boot check-layers
