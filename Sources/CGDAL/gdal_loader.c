#include "CGDAL.h"
#include <dlfcn.h>
#include <stdio.h>

// The development symlink first (it names the library the headers belong to), then the
// sonames of the GDAL releases whose C API matches ours, for machines with the runtime only.
static const char *const library_names[] = {
    "libgdal.so", "libgdal.so.32", "libgdal.so.33", "libgdal.so.34", "libgdal.so.35", "libgdal.so.36", NULL,
};

static RGGDAL table;

const RGGDAL *rg_gdal_load(char *error, size_t size) {
    // Swift calls this from a lazily initialised global, which runs it once.
    void *library = NULL;
    const char *why = "not found";
    for (const char *const *name = library_names; *name != NULL && library == NULL; name++) {
        library = dlopen(*name, RTLD_NOW | RTLD_LOCAL);
        if (library == NULL && name == library_names) why = dlerror();
    }
    if (library == NULL) {
        snprintf(error, size, "cannot load GDAL (%s); on Debian: apt-get install libgdal32", why);
        return NULL;
    }
#define RG_GDAL_LOAD(name)                                                                        \
    table.name = (__typeof__(&name))dlsym(library, #name);                                        \
    if (table.name == NULL) {                                                                     \
        snprintf(error, size, "the loaded GDAL has no function %s (GDAL older than 3.6?)", #name); \
        return NULL;                                                                              \
    }
    RG_GDAL_FUNCTIONS(RG_GDAL_LOAD)
#undef RG_GDAL_LOAD
    return &table;
}
