/* The backends' operations tables, for the one file that picks one
 * (stage3/virt.c); the core knows only struct virt_ops (include/core/virt.h). */
#ifndef PXHV_BACKENDS_H
#define PXHV_BACKENDS_H
#include "core/virt.h"

extern const struct virt_ops vmx_ops;   /* stage3/vmx */
extern const struct virt_ops svm_ops;   /* stage3/svm */

#endif
