/*
 * The one place that names the backends (include/core/virt.h): which one runs
 * this machine, from what stage 2 found.  Outside stage3/core, which knows
 * only struct virt_ops.
 */
#include "backends.h"
#include "boot/bootinfo.h"

const struct virt_ops *virt_pick(u32 found)
{
    return found & VIRT_VMX ? &vmx_ops : found & VIRT_SVM ? &svm_ops : NULL;   /* VMX first */
}
