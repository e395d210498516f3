#ifndef RENEWALGIS_CGDAL_H
#define RENEWALGIS_CGDAL_H
// GDAL's C API, loaded with dlopen on first use instead of linked: commands that never read
// or write a GIS file (coverage, units, serve…) then do not map libgdal and the hundred
// libraries it pulls in (poppler, HDF5, NetCDF, Xerces…), about 17 MB of resident memory
// and a few tens of milliseconds of start-up.
//
// The headers give the types; `RGGDAL` holds one pointer per function we call, with the
// function's own type. Call through it (`gdal.OGR_L_GetName(h)` in Swift); calling the plain
// function would not link, which is how a call site that bypasses the loader is caught.
#include <stddef.h>
#include <gdal/gdal.h>
#include <gdal/ogr_api.h>
#include <gdal/ogr_srs_api.h>
#include <gdal/cpl_conv.h>
#include <gdal/cpl_error.h>
#include <gdal/cpl_string.h>
#include <gdal/cpl_vsi.h>

/// Every GDAL function RenewalGIS calls. Add a name here before calling a new one.
#define RG_GDAL_FUNCTIONS(X) \
    X(CPLErrorReset) \
    X(CPLGetLastErrorMsg) \
    X(CPLGetLastErrorType) \
    X(CPLQuietErrorHandler) \
    X(CPLSetConfigOption) \
    X(CPLSetErrorHandler) \
    X(CSLAddString) \
    X(CSLDestroy) \
    X(GDALAllRegister) \
    X(GDALClose) \
    X(GDALCreate) \
    X(GDALDatasetCreateLayer) \
    X(GDALDatasetGetLayer) \
    X(GDALDatasetGetLayerByName) \
    X(GDALDatasetGetLayerCount) \
    X(GDALGetDatasetDriver) \
    X(GDALGetDriverByName) \
    X(GDALGetDriverShortName) \
    X(GDALOpenEx) \
    X(OGR_FD_GetFieldCount) \
    X(OGR_FD_GetFieldDefn) \
    X(OGR_F_Create) \
    X(OGR_F_Destroy) \
    X(OGR_F_GetFieldAsDouble) \
    X(OGR_F_GetFieldAsInteger) \
    X(OGR_F_GetFieldAsInteger64) \
    X(OGR_F_GetFieldAsString) \
    X(OGR_F_GetFieldIndex) \
    X(OGR_F_GetGeometryRef) \
    X(OGR_F_IsFieldSetAndNotNull) \
    X(OGR_F_SetFieldDouble) \
    X(OGR_F_SetFieldInteger64) \
    X(OGR_F_SetFieldNull) \
    X(OGR_F_SetFieldString) \
    X(OGR_F_SetGeometryDirectly) \
    X(OGR_Fld_Create) \
    X(OGR_Fld_Destroy) \
    X(OGR_Fld_GetNameRef) \
    X(OGR_Fld_GetSubType) \
    X(OGR_Fld_GetType) \
    X(OGR_GT_Flatten) \
    X(OGR_G_CreateFromWkb) \
    X(OGR_G_CreateFromWkt) \
    X(OGR_G_DestroyGeometry) \
    X(OGR_G_ExportToIsoWkb) \
    X(OGR_G_GetLinearGeometry) \
    X(OGR_G_HasCurveGeometry) \
    X(OGR_G_IsEmpty) \
    X(OGR_G_WkbSize) \
    X(OGR_L_CommitTransaction) \
    X(OGR_L_CreateFeature) \
    X(OGR_L_CreateField) \
    X(OGR_L_GetFeatureCount) \
    X(OGR_L_GetGeomType) \
    X(OGR_L_GetLayerDefn) \
    X(OGR_L_GetName) \
    X(OGR_L_GetNextFeature) \
    X(OGR_L_GetSpatialRef) \
    X(OGR_L_ResetReading) \
    X(OGR_L_StartTransaction) \
    X(OSRFindMatches) \
    X(OSRFreeSRSArray) \
    X(OSRGetAuthorityCode) \
    X(OSRGetAuthorityName) \
    X(OSRGetName) \
    X(OSRImportFromEPSG) \
    X(OSRNewSpatialReference) \
    X(OSRRelease) \
    X(OSRSetAxisMappingStrategy) \
    X(VSIFree)

typedef struct RGGDAL {
#define RG_GDAL_FIELD(name) __typeof__(&name) _Nonnull name;
    RG_GDAL_FUNCTIONS(RG_GDAL_FIELD)
#undef RG_GDAL_FIELD
} RGGDAL;

/// Loads libgdal (once; later calls return the same table). On failure returns NULL and
/// writes why (the library or the symbol that is missing) into `error`.
const RGGDAL *_Nullable rg_gdal_load(char *_Nonnull error, size_t size);

#endif
