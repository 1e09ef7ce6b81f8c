# Benchmark (included by the top-level Makefile).  scripts/bench.sh does the work;
# docs/performance.md explains the figures and records a run.
#   make bench                 the bench guest natively and under pxHV, then Linux both ways
#                              (about 4-5 minutes under Bochs)
#   make bench BENCH_LINUX=0   without the two Linux boots (about half a minute)
#   make bench BENCH_ONLY=iommu  only Linux on q35 under pxHV without and with each IOMMU
#   make bench BENCH_ONLY=cells  only the cells: the root Linux beside a busy cell, a cell's timer jitter
# The table and the serial logs of the runs go to $(BUILD)/bench/.

BENCH_LINUX ?= 1
BENCH_ONLY  ?=
BENCH_DEPS  := $(BUILD)/stage1.bin $(BUILD)/stage2.bin $(BUILD)/stage3.bin $(BUILD)/pxhv.img \
               $(BUILD)/guests/bench.bin $(if $(filter 0,$(BENCH_LINUX)),,$(BUILD)/guests/linux.img)

bench: $(BENCH_DEPS)
	@BENCH_LINUX=$(BENCH_LINUX) BENCH_ONLY=$(BENCH_ONLY) scripts/bench.sh

.PHONY: bench
