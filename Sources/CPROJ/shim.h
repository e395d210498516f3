#ifndef RENEWALGIS_CPROJ_SHIM_H
#define RENEWALGIS_CPROJ_SHIM_H
#include <proj.h>
#include <math.h>
/// PROJ marks a failed coordinate with HUGE_VAL, a macro Swift cannot import.
static inline double rg_proj_huge_val(void) { return HUGE_VAL; }
#endif
