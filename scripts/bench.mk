# Benchmark (included by the top-level Makefile).  scripts/bench.sh does the work;
# docs/performance.md explains the figures and records a run.
#   make bench                 the bench guest natively and under pxHV, then Linux both ways
#                              (16 minutes on an idle 2-CPU machine, docs/performance.md),
#                              then the UEFI path (scripts/bench-efi.sh, QEMU + OVMF, about
#                              6 minutes): firmware start to the loader with and without
#                              pxhv.efi, Linux both ways
#   make bench BENCH_LINUX=0   without the Linux boots
#   make bench BENCH_TSCALE=3  time bounds three times as long, for a busy machine
#   make bench BENCH_ONLY=iommu  only Linux on q35 under pxHV without and with each IOMMU
#   make bench BENCH_EFI=0     without the UEFI path (BENCH_EFI_LINUX=0: without its Linux boots)
#   make bench-efi             the UEFI path alone
#   make bench BENCH_ONLY=cells  only the cells: the root Linux beside a busy cell, a cell's timer jitter
# The table and the serial logs of the runs go to $(BUILD)/bench/.

BENCH_LINUX  ?= 1
BENCH_TSCALE ?= 1
BENCH_ONLY   ?=
BENCH_EFI    ?= 1
BENCH_DEPS   := $(BUILD)/stage1.bin $(BUILD)/stage2.bin $(BUILD)/stage3.bin $(BUILD)/pxhv.img \
                $(BUILD)/guests/bench.bin $(if $(filter 0,$(BENCH_LINUX)),,$(BUILD)/guests/linux.img)
BENCH_EFI_DEPS := $(BUILD)/esp.img $(BUILD)/tests/stamp.efi

bench: $(BENCH_DEPS) $(if $(filter 0,$(BENCH_EFI))$(BENCH_ONLY),,$(BENCH_EFI_DEPS))
	@BENCH_LINUX=$(BENCH_LINUX) BENCH_TSCALE=$(BENCH_TSCALE) BENCH_ONLY=$(BENCH_ONLY) scripts/bench.sh
	@$(if $(filter 0,$(BENCH_EFI))$(BENCH_ONLY),true,scripts/bench-efi.sh)

bench-efi: $(BENCH_EFI_DEPS)
	@scripts/bench-efi.sh

.PHONY: bench bench-efi
