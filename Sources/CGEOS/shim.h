#ifndef RENEWALGIS_CGEOS_SHIM_H
#define RENEWALGIS_CGEOS_SHIM_H
// Only the re-entrant (_r) half of the GEOS C API is visible to Swift.
#define GEOS_USE_ONLY_R_API
#include <geos_c.h>
#endif
