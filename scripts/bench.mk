# Benchmark (included by the top-level Makefile).  scripts/bench.sh does the work;
# docs/performance.md explains the figures and records a run.
#   make bench                 the bench guest natively and under pxHV, then Linux both ways
#                              (16 minutes on an idle 2-CPU machine, docs/performance.md)
#   make bench BENCH_LINUX=0   without the Linux boots
#   make bench BENCH_TSCALE=3  time bounds three times as long, for a busy machine
# The table and the serial logs of the runs go to $(BUILD)/bench/.

BENCH_LINUX ?= 1
BENCH_TSCALE ?= 1
BENCH_DEPS  := $(BUILD)/stage1.bin $(BUILD)/stage2.bin $(BUILD)/stage3.bin $(BUILD)/pxhv.img \
               $(BUILD)/guests/bench.bin $(if $(filter 0,$(BENCH_LINUX)),,$(BUILD)/guests/linux.img)

bench: $(BENCH_DEPS)
	@BENCH_LINUX=$(BENCH_LINUX) BENCH_TSCALE=$(BENCH_TSCALE) scripts/bench.sh

.PHONY: bench
