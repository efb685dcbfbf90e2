/* SPDX-License-Identifier: MIT */
/* <asm/processor.h>: cpu_relax. */
#include <asm/barrier.h>
