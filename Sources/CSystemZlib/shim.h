#ifndef RENEWALGIS_CZLIB_SHIM_H
#define RENEWALGIS_CZLIB_SHIM_H
// zlib, for gzip-compressed tiles in MBTiles files.
#include <zlib.h>
#endif
